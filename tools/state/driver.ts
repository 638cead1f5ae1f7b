/**
 * The driver contract: what a state backend (memory, Redis) implements.
 * @module
 */
import type { Json } from "./types.ts";

/** Whether the service behind a driver answers: what the tool passes on to `ctx.health`. */
export interface DriverHealth {
  state: "ready" | "degraded";
  /** What is wrong, when degraded (e.g. `Redis at 127.0.0.1:6379 unreachable: connection refused`). */
  reason?: string;
}

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
  /**
   * Drivers that depend on a service (Redis) report whether it answers: `health` is the state
   * now, and `onHealth` is called on every change after it. Drivers without one leave both out.
   */
  readonly health?: DriverHealth;
  /** Call `listener` on every change of {@link StateDriver.health}. */
  onHealth?(listener: (health: DriverHealth) => void): void;
}
