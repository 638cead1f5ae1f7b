/**
 * Bounding a promise in time: the one timer every hook, drain and import wait goes through.
 * @module
 */

/** `p`, or a rejection with `message` if it has not settled within `ms`. The timer is cleared. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), Math.max(0, ms));
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Waits for `p` to settle, at most `ms`, and never rejects: for bounded waits at drain and
 * shutdown, where running out of time is not an error.
 */
export function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  // Stryker disable next-line StringLiteral: the message of a rejection nobody sees
  return withTimeout(p, ms, "").then(() => {}, () => {});
}
