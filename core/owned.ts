/**
 * Owned registrations: the bookkeeping every tool that lets plugins register things shares.
 * @module
 */
import type { Owner } from "./types.ts";

interface Slot<T> {
  owner: Owner;
  items: T[];
}

/**
 * Items (routes, subscriptions, …) recorded against the owner that registered them, per
 * generation. A new generation's items are staged, invisible to {@link OwnedRegistry.live},
 * until {@link OwnedRegistry.activate} makes it the live one and drops every other generation of
 * the same owner id in the same step. That is how a reload switches at once.
 */
export class OwnedRegistry<T> {
  #slots = new Map<string, Map<number, Slot<T>>>();
  #live = new Map<string, number>();
  #liveCache: T[] | undefined;
  /** Grows with every change to the live set; cheap to compare for lazy rebuilds. */
  version = 0;

  /**
   * Record `item` for `owner`. Visible at once if that generation is live, else staged.
   * Returns false, recording nothing, when that generation was already replaced or released
   * (a timer firing after its plugin was unloaded): it can no longer register anything.
   */
  add(owner: Owner, item: T): boolean {
    if (this.#isRetired(owner)) return false;
    let gens = this.#slots.get(owner.id);
    if (!gens) this.#slots.set(owner.id, gens = new Map());
    let slot = gens.get(owner.generation);
    if (!slot) gens.set(owner.generation, slot = { owner, items: [] });
    slot.items.push(item);
    if (this.#live.get(owner.id) === owner.generation) this.#changed();
    return true;
  }

  /** Remove one item; returns whether it was there. */
  remove(owner: Owner, item: T): boolean {
    const slot = this.#slots.get(owner.id)?.get(owner.generation);
    const i = slot ? slot.items.indexOf(item) : -1;
    if (i < 0) return false;
    slot!.items.splice(i, 1);
    if (this.#live.get(owner.id) === owner.generation) this.#changed();
    return true;
  }

  /** Make `owner.generation` live; returns the items of the generations it replaced. */
  activate(owner: Owner): T[] {
    const gens = this.#slots.get(owner.id);
    const dropped: T[] = [];
    for (const [gen, slot] of gens ?? []) {
      if (gen !== owner.generation) {
        dropped.push(...slot.items);
        gens!.delete(gen);
      }
    }
    this.#live.set(owner.id, owner.generation);
    this.#retire(owner.id, owner.generation - 1);
    this.#changed();
    return dropped;
  }

  /** Drop one generation of `ownerId`, or all of them; returns the dropped items. */
  release(ownerId: string, generation?: number): T[] {
    const gens = this.#slots.get(ownerId);
    const newest = Math.max(0, this.#live.get(ownerId) ?? 0, ...(gens?.keys() ?? []));
    this.#retire(ownerId, generation === undefined ? newest : 0, generation);
    const dropped: T[] = [];
    for (const [gen, slot] of gens ?? []) {
      if (generation === undefined || gen === generation) {
        dropped.push(...slot.items);
        gens!.delete(gen);
      }
    }
    if (gens?.size === 0) this.#slots.delete(ownerId);
    const liveGen = this.#live.get(ownerId);
    // Live even with nothing registered (activated before any add): no longer live once released.
    if (liveGen !== undefined && (generation === undefined || liveGen === generation)) {
      this.#live.delete(ownerId);
      this.#changed();
    }
    return dropped;
  }

  /** Every live item, in registration order of owners. */
  live(): readonly T[] {
    return this.#liveCache ??= [...this.#live].flatMap(([id, gen]) =>
      this.#slots.get(id)?.get(gen)?.items ?? []
    );
  }

  /** Items of one generation (live or staged). */
  itemsOf(ownerId: string, generation?: number): readonly T[] {
    const gen = generation ?? this.#live.get(ownerId); // none live: undefined, no slot's key
    return this.#slots.get(ownerId)?.get(gen!)?.items ?? [];
  }

  /** Every (owner, item) pair, live or staged, for conflict checks. */
  *entries(): Iterable<[Owner, T]> {
    for (const gens of this.#slots.values()) {
      for (const slot of gens.values()) for (const item of slot.items) yield [slot.owner, item];
    }
  }

  /** Whether `owner` is the live generation of its id. */
  isLive(owner: Owner): boolean {
    return this.#live.get(owner.id) === owner.generation;
  }

  /** Number of items held, live and staged (for leak checks). */
  get size(): number {
    let n = 0;
    for (const gens of this.#slots.values()) for (const s of gens.values()) n += s.items.length;
    return n;
  }

  /** Generations of each id that may not register again: all up to `floor` (≥ 0), and `gens`. */
  #retired = new Map<string, { floor: number; gens: Set<number> }>();

  #retire(id: string, floor: number, generation = 0): void {
    let r = this.#retired.get(id);
    if (!r) this.#retired.set(id, r = { floor: 0, gens: new Set() });
    r.floor = Math.max(r.floor, floor);
    r.gens.add(generation); // the default, 0, is ≤ any floor: pruned at once
    for (const g of r.gens) if (g <= r.floor) r.gens.delete(g);
  }

  #isRetired(owner: Owner): boolean {
    const r = this.#retired.get(owner.id);
    return !!r && (owner.generation <= r.floor || r.gens.has(owner.generation));
  }

  #changed() {
    this.#liveCache = undefined;
    this.version++;
  }
}
