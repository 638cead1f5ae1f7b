/**
 * What every envelope is stamped with, made cheap: event ids and publish times. Both were a
 * large part of the fixed cost of a publish (`Date.now()` alone cost more than the rest of the
 * envelope).
 * @module
 */

const LOW_DIGITS = 2;
const LOW_SPAN = 36 ** LOW_DIGITS; // 1296
const HIGH_DIGITS = 8;
/** "00" … "zz": the low part of an id, shared strings. */
const LOW: readonly string[] = Array.from(
  { length: LOW_SPAN },
  (_, i) => i.toString(36).padStart(LOW_DIGITS, "0"),
);

/**
 * Event ids `<8 random hex>-<10 base-36 digits>`: unique within the process (and, by the random
 * prefix, across instances), fixed width so that they sort as strings in publish order.
 * The counter's high part is formatted once per 1 296 ids; each id is that string plus one of
 * 1 296 shared low parts.
 */
export class EventIds {
  readonly #prefix: string;
  #seq = 0;
  #low = LOW_SPAN; // forces the high part to be formatted on first use
  #high = "";

  constructor() {
    this.#prefix = Array.from(
      crypto.getRandomValues(new Uint8Array(4)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("") + "-";
  }

  /** The next id. */
  next(): string {
    if (this.#low === LOW_SPAN) {
      this.#low = 0;
      this.#high = this.#prefix + (this.#seq++).toString(36).padStart(HIGH_DIGITS, "0");
    }
    return this.#high + LOW[this.#low++];
  }
}

/**
 * Wall-clock time in ms, read at most once per synchronous run: the first call reads
 * `Date.now()`, later calls in the same run (until the microtask queue reaches the one queued
 * by that first call) get the same value. So events published together in one tick share a
 * time; an event published on its own gets the exact time.
 */
export class TickClock {
  #now = 0;
  #valid = false;

  /** The time of the current tick. */
  now(): number {
    if (this.#valid) return this.#now;
    this.#valid = true;
    queueMicrotask(this.#expire);
    return this.#now = Date.now();
  }

  #expire = (): void => {
    this.#valid = false;
  };
}
