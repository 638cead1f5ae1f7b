/**
 * Per-event-name counters for the status page.
 * @module
 */

/** Counters of one event name. */
export interface EventCounters {
  /** Publishes of this name. */
  published: number;
  /** Handler runs that succeeded. */
  delivered: number;
  /** Handler attempts that threw, rejected or timed out (each retry counts). */
  errors: number;
  /** Deliveries that failed for good (after every retry). */
  failed: number;
  /** Dead letters sent for this name (`_dlq.<name>`). */
  deadLettered: number;
  /** Deliveries skipped because the subscription (or group) already had this event id. */
  duplicates: number;
  /** Deliveries not made because the envelope was past its TTL. */
  expired: number;
  /** Requests sent to this name. */
  requests: number;
  /** Requests that timed out. */
  timeouts: number;
  /** Owner ids seen publishing (or requesting) this name. */
  publishers: Set<string>;
}

/** Past this many distinct names, further names are counted under `(other)`. */
const MAX_NAMES = 2000;
const OTHER = "(other)";

/** Counters per event name, bounded in size. */
export class EventStats {
  #byName = new Map<string, EventCounters>();

  /** The counters of `name` (created on first use). */
  of(name: string): EventCounters {
    let c = this.#byName.get(name);
    if (!c) {
      if (this.#byName.size >= MAX_NAMES && name !== OTHER) return this.of(OTHER);
      c = {
        published: 0,
        delivered: 0,
        errors: 0,
        failed: 0,
        deadLettered: 0,
        duplicates: 0,
        expired: 0,
        requests: 0,
        timeouts: 0,
        publishers: new Set(),
      };
      this.#byName.set(name, c);
    }
    return c;
  }

  /** Every name with counters. */
  names(): IterableIterator<string> {
    return this.#byName.keys();
  }
}
