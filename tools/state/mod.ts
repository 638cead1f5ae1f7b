/**
 * The `state` tool: volatile shared key–value state for plugins (memory or Redis).
 *
 * Settings:
 * - `STATE_DRIVER`: `memory` (default: this process only) or `redis` (shared by every instance);
 * - `REDIS_URL`: `redis://[user:password@]host[:port][/db]`, `rediss://…` for TLS (default
 *   `redis://127.0.0.1:6379`);
 * - `STATE_TIMEOUT_MS`: the bound on each Redis call (default 2000);
 * - `REDIS_TLS_CA`: a private CA for `rediss://`, as a PEM file path or the PEM text;
 * - `STATE_KEY_PREFIX`: the prefix of every key in Redis (default `mc:`), one per app or
 *   environment sharing a Redis.
 *
 * On Redis (node-redis, `@redis/client`) every call is bounded by `STATE_TIMEOUT_MS`. While Redis
 * is unreachable calls fail at once with a {@link StateError} of kind `unavailable` (a call that
 * got no answer in time: kind `timeout`), which the http tool answers as a JSON 503; the tool is
 * `degraded` in `/system/status` and `GET /health/ready` answers 503; it reconnects by itself
 * (backoff from 50 ms to 1 s) and is `ready` again within about a second of Redis's return. A
 * Redis that is down at boot does not stop the boot (the tool starts degraded); a malformed
 * `REDIS_URL`, refused credentials or an untrusted certificate do. Values are JSON, bad ones
 * throw a {@link StateValueError}. See docs/production-state.md.
 *
 * @example
 * ```ts
 * import type { State } from "@tools/state/mod.ts";
 *
 * export default class Visits extends BasePlugin {
 *   constructor(private state: State) {
 *     super();
 *   }
 *   override async onBoot() {
 *     const cache = this.state.namespace("visits");
 *     await cache.set("last", { at: new Date().toISOString() }, { ttlMs: 60_000 });
 *     await cache.increment("total");
 *   }
 * }
 * ```
 * @module
 */
import { StateTool } from "./tool.ts";

export { StateTool, type StateToolOptions } from "./tool.ts";
export { State } from "./store.ts";
export type { Json, SetOptions } from "./types.ts";
export { MemoryDriver, type MemoryDriverOptions } from "./memory_driver.ts";
export type { DriverHealth, StateDriver } from "./driver.ts";
export { StateError, type StateErrorKind } from "./errors.ts";
export { assertJson, StateValueError } from "./json.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default StateTool;
