/**
 * A small bounded cache with second-chance (CLOCK) eviction: a hit only sets a flag, so the
 * hot path costs one Map lookup.
 * @module
 */

interface Entry<V> {
  value: V;
  used: boolean;
}

/** Keeps at most `max` entries, evicting one that was not used since it was last passed over. */
export class Lru<K, V> {
  #map = new Map<K, Entry<V>>();
  constructor(readonly max: number) {}

  get(key: K): V | undefined {
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    e.used = true;
    return e.value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    while (this.#map.size >= this.max) {
      const [oldKey, old] = this.#map.entries().next().value as [K, Entry<V>];
      this.#map.delete(oldKey);
      if (old.used) { // second chance: to the back of the line
        old.used = false;
        this.#map.set(oldKey, old);
      }
    }
    this.#map.set(key, { value, used: false });
  }

  get size(): number {
    return this.#map.size;
  }

  clear(): void {
    this.#map.clear();
  }
}
