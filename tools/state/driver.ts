/**
 * The driver contract: what a state backend (memory, Redis) implements.
 * @module
 */
import type { Json } from "./types.ts";

/**
 * A state backend. Keys arrive fully prefixed; values arrive validated as JSON. Drivers own
 * expiry: an expired key behaves as absent everywhere.
 */
export interface StateDriver {
  /** `memory`, `redis`, … */
  readonly name: string;
  get(key: string): Promise<Json | undefined>;
  /** Store `value`; `ttlMs` sets an expiry, no `ttlMs` clears any previous one. */
  set(key: string, value: Json, ttlMs?: number): Promise<void>;
  /** Whether the key was there. */
  delete(key: string): Promise<boolean>;
  has(key: string): Promise<boolean>;
  /** Keys starting with `prefix`, sorted. */
  keys(prefix: string): Promise<string[]>;
  /** Delete every key starting with `prefix` (all keys for `""`); returns how many. */
  clear(prefix: string): Promise<number>;
  /**
   * Atomically add `by` (an integer) to the integer at `key` (0 when absent) and return the
   * result. `ttlMs` applies only when this call creates the key (a fixed window).
   */
  increment(key: string, by: number, ttlMs?: number): Promise<number>;
  /** Milliseconds until `key` expires; `undefined` when absent or without expiry. */
  ttl(key: string): Promise<number | undefined>;
  /** Release connections; called once at shutdown. */
  close(): Promise<void>;
}
