/**
 * The `state` tool: volatile shared key–value state for plugins (memory or Redis).
 *
 * Settings: `STATE_DRIVER` (`memory`, the default, or `redis`) and `REDIS_URL` (default
 * `redis://127.0.0.1:6379`).
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
