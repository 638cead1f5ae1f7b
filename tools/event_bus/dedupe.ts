/**
 * Removing duplicates on the consuming side: a bounded memory of the event ids recently
 * delivered. A broker delivers at least once (JetStream redelivers an event whose
 * acknowledgement was lost; a publish retried through an outage, or an outbox record relayed
 * twice, may reach a subscriber twice), so each subscription (each group, for grouped ones)
 * remembers the last ids it was handed and skips a repeat.
 * @module
 */

/** How many ids a memory keeps by default. */
export const RECENT_IDS = 10_000;

/** The last `size` ids seen, oldest forgotten first. */
export class RecentIds {
  readonly #size: number;
  readonly #set = new Set<string>();
  readonly #ring: string[] = [];
  #next = 0;

  /** A memory of at most `size` ids. */
  constructor(size: number = RECENT_IDS) {
    this.#size = Math.max(1, size);
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#set.size;
  }

  /** `true` the first time `id` is offered (it is remembered), `false` for a repeat. */
  first(id: string): boolean {
    const set = this.#set;
    if (set.has(id)) return false;
    const ring = this.#ring;
    if (ring.length < this.#size) ring.push(id);
    else {
      set.delete(ring[this.#next]);
      ring[this.#next] = id;
      this.#next = (this.#next + 1) % this.#size;
    }
    set.add(id);
    return true;
  }
}
