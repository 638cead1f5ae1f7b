/**
 * Time as the scheduler reads it: the real clock, or a manual one a test moves by hand.
 * @module
 */

/** Now, in ms since epoch. The scheduler reads time through this only. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that moves only when told (the test kit's `t.clock`). Starts at `start` (default: the
 * real time when made).
 */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = Date.now()) {
    this.#now = start;
  }
  /** The clock's time. */
  now(): number {
    return this.#now;
  }
  /** Move forward `ms` milliseconds (never backwards). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms}): give a number of ms ≥ 0`);
    this.#now += ms;
  }
  /** Jump to `time` (a Date, an ISO string or ms since epoch); it may not go backwards. */
  set(time: Date | string | number): void {
    const t = new Date(time).getTime();
    if (Number.isNaN(t)) throw new RangeError(`set(${String(time)}): not a time`);
    if (t < this.#now) {
      throw new RangeError(`set(${new Date(t).toISOString()}): the clock only moves forward`);
    }
    this.#now = t;
  }
}
