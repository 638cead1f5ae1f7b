/**
 * A small bounded LRU map.
 * @module
 */

/** Keeps at most `max` entries; a `get` hit marks the entry as most recently used. */
export class Lru<K, V> {
  #map = new Map<K, V>();
  constructor(readonly max: number, private onEvict?: (value: V) => void) {}

  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) {
      const oldest = this.#map.keys().next().value as K;
      const v = this.#map.get(oldest)!;
      this.#map.delete(oldest);
      this.onEvict?.(v);
    }
  }

  get size(): number {
    return this.#map.size;
  }

  clear(): void {
    this.#map.clear();
  }
}
