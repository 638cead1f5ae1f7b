/**
 * The `state` tool: picks a driver from its settings and hands plugins a {@link State}.
 * @module
 */
import type { Tool, ToolContext } from "@core";
import type { StateDriver } from "./driver.ts";
import { MemoryDriver } from "./memory_driver.ts";
import { State } from "./store.ts";

/** Options of {@link StateTool}. */
export interface StateToolOptions {
  /** Use this driver instead of choosing one from `STATE_DRIVER` (tests). */
  driver?: StateDriver;
}

/** Redis when `REDIS_URL` is not set. */
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/**
 * Volatile key–value state shared by plugins. `STATE_DRIVER=memory` (default) keeps it in this
 * process; `STATE_DRIVER=redis` keeps it in Redis (`REDIS_URL`, default
 * `redis://127.0.0.1:6379`) so several instances share counters and caches.
 *
 * Usable before `setup()` with an in-memory driver, which is handy in tests:
 * `new StateTool().store`.
 */
export class StateTool implements Tool {
  readonly name = "state";
  readonly description =
    "Volatile shared key-value state (counters, caches, rate windows); memory or Redis";
  /** The settings the tool reads through `ctx.env` in `setup`. */
  readonly env = {
    STATE_DRIVER: "where state lives: memory (this process) or redis (default memory)",
    REDIS_URL: `the Redis server when STATE_DRIVER=redis (default ${DEFAULT_REDIS_URL})`,
  };
  readonly #options: StateToolOptions;
  #driver: StateDriver;
  #store: State;

  /** A tool on an in-memory driver (or `options.driver`) until `setup` chooses one. */
  constructor(options: StateToolOptions = {}) {
    this.#options = options;
    this.#driver = options.driver ?? new MemoryDriver();
    this.#store = new State(this.#driver);
  }

  /** Choose the driver from `STATE_DRIVER` (unless one was given). */
  async setup(ctx: ToolContext): Promise<void> {
    if (this.#options.driver) return;
    const kind = (ctx.env("STATE_DRIVER") ?? "memory").trim().toLowerCase();
    if (kind === "memory" || kind === "") return;
    if (kind === "redis") {
      const { RedisDriver } = await import("./redis_driver.ts");
      const url = ctx.env("REDIS_URL") || DEFAULT_REDIS_URL;
      this.#driver = await RedisDriver.connect(url);
      this.#store = new State(this.#driver);
      ctx.log.info("state uses Redis", { url: url.replace(/\/\/[^@/]*@/, "//***@") });
      return;
    }
    throw new Error(`STATE_DRIVER=${kind} is not a state driver: use "memory" or "redis"`);
  }

  /** The store plugins receive (shared by all: use `namespace()` to keep keys apart). */
  forOwner(): State {
    return this.#store;
  }

  /** The root store (same as what plugins receive). */
  get store(): State {
    return this.#store;
  }

  /** The active driver. */
  get driver(): StateDriver {
    return this.#driver;
  }

  /** The driver's name, and the number of keys when the driver knows it. */
  describe(): Record<string, unknown> {
    const size = (this.#driver as { size?: number }).size;
    return size === undefined ? { driver: this.#driver.name } : { driver: this.#driver.name, size };
  }

  /** Close the driver (drops in-memory state, closes the Redis connection). */
  async shutdown(): Promise<void> {
    await this.#driver.close();
  }
}
