/**
 * The `state` tool: volatile shared key–value state for plugins (memory or Redis).
 *
 * @example
 * ```ts
 * import type { StateStore } from "@tools/state/mod.ts";
 *
 * export default class Visits extends BasePlugin {
 *   constructor(private state: StateStore) {
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
import { StateTool } from "./state_tool.ts";

export { StateTool } from "./state_tool.ts";
export type { StateToolOptions } from "./state_tool.ts";
export { StateStore } from "./store.ts";
export type { SetOptions } from "./store.ts";
export { MemoryDriver } from "./memory_driver.ts";
export type { MemoryDriverOptions } from "./memory_driver.ts";
export type { StateDriver } from "./driver.ts";
export { assertJson, StateValueError } from "./json.ts";
export type { Json } from "./json.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default StateTool;
