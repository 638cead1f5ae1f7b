/**
 * Timeouts for many calls that share one bound, with one timer instead of one per call (a
 * `setTimeout` and `clearTimeout` pair costs ~3 µs in Deno, as much as a pipelined Redis call).
 * @module
 */

/** One call being timed. */
export interface Deadline {
  /** When it expires (clock ms). */
  readonly at: number;
  /** Set once it settled or expired; {@link Deadlines.settle} sets it. */
  done: boolean;
  /** Called once if the call is still not settled at `at`. */
  readonly expire: () => void;
}

/**
 * Calls with the same `timeoutMs` expire in the order they started, so a FIFO queue is sorted by
 * deadline: one timer, armed for the oldest pending call, is enough. No timer is left while
 * nothing is pending, and the timer never keeps the process alive.
 */
export class Deadlines {
  readonly #ms: number;
  readonly #now: () => number;
  #queue: Deadline[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Each call expires `timeoutMs` after {@link Deadlines.start}; `now` is the clock. */
  constructor(timeoutMs: number, now: () => number = performance.now.bind(performance)) {
    this.#ms = timeoutMs;
    this.#now = now;
  }

  /** Calls started and neither settled nor expired, plus settled ones not yet dropped. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Time a call: `expire` runs if it has not settled `timeoutMs` from now. */
  start(expire: () => void): Deadline {
    const d: Deadline = { at: this.#now() + this.#ms, done: false, expire };
    this.#queue.push(d);
    if (this.#timer === undefined) this.#arm(this.#ms);
    return d;
  }

  /** The call settled: it will not expire. */
  settle(d: Deadline): void {
    d.done = true;
    // Replies come in order, so the settled call is usually the oldest: drop it now.
    const q = this.#queue;
    while (this.#head < q.length && q[this.#head].done) this.#head++;
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Forget every pending call (none will expire) and stop the timer. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#head = 0;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#sweep, Math.max(0, Math.ceil(ms)));
    if (typeof Deno !== "undefined") Deno.unrefTimer(this.#timer as unknown as number);
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    const now = this.#now();
    const q = this.#queue;
    while (this.#head < q.length) {
      const d = q[this.#head];
      if (!d.done && d.at > now) break;
      this.#head++;
      if (!d.done) {
        d.done = true;
        d.expire();
      }
    }
    if (this.#head >= q.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    this.#arm(q[this.#head].at - now);
  };
}
