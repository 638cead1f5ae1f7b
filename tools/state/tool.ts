/**
 * The `state` tool: picks a driver from its settings and hands plugins a {@link State}.
 * @module
 */
import type { PermissionNeeds, PermissionSettings, Tool, ToolContext } from "@core";
import { isAbsolute, join } from "node:path";
import type { StateDriver } from "./driver.ts";
import { MemoryDriver } from "./memory_driver.ts";
import { DEFAULT_TIMEOUT_MS, maskUrl, parseTimeout } from "./redis_url.ts";
import { State } from "./store.ts";
import { statePermissions } from "./permissions.ts";

/** Options of {@link StateTool}. */
export interface StateToolOptions {
  /**
   * Use this driver instead of choosing one from `STATE_DRIVER` (tests). A driver with
   * `health` (Redis) still has its health reported through the kernel.
   */
  driver?: StateDriver;
}

/** Redis when `REDIS_URL` is not set. */
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
/** Every key in Redis starts with this when `STATE_KEY_PREFIX` is not set. */
const DEFAULT_KEY_PREFIX = "mc:";

/** `REDIS_TLS_CA`: the PEM text itself, or a file holding it (relative to the data folder). */
async function readCa(value: string | undefined, dataDir: string): Promise<string | undefined> {
  if (value === undefined) return undefined;
  if (value.trimStart().startsWith("-----BEGIN")) return value;
  const path = isAbsolute(value) ? value : join(dataDir, value);
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(
      `REDIS_TLS_CA=${JSON.stringify(value)}: cannot read ${path} (${(err as Error).message}); ` +
        `give a readable PEM file, or the PEM text itself`,
      { cause: err },
    );
  }
}

/**
 * Volatile key–value state shared by plugins. `STATE_DRIVER=memory` (default) keeps it in this
 * process; `STATE_DRIVER=redis` keeps it in Redis (`REDIS_URL`, default
 * `redis://127.0.0.1:6379`) so several instances share counters and caches.
 *
 * On Redis every call is bounded by `STATE_TIMEOUT_MS`; while Redis is unreachable calls fail
 * at once with a `StateError` (kind `unavailable`, a JSON 503 from the http tool), the tool is
 * `degraded` in status, and it reconnects by itself. Redis being down at boot does not fail
 * the boot (the tool starts degraded); a malformed `REDIS_URL`, refused credentials or an
 * untrusted TLS certificate do.
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
    REDIS_URL:
      "the Redis server when STATE_DRIVER=redis: redis://[user:password@]host[:port][/db]" +
      `, rediss:// for TLS (default ${DEFAULT_REDIS_URL})`,
    STATE_TIMEOUT_MS: "the bound on each Redis call, in ms; calls fail at once while Redis is " +
      `unreachable (default ${DEFAULT_TIMEOUT_MS})`,
    REDIS_TLS_CA: "a private CA to trust for rediss://: a PEM file path, or the PEM text " +
      "(default: public CAs only)",
    STATE_KEY_PREFIX: "the prefix of every key in Redis; give each app or environment sharing " +
      `one Redis its own (default ${DEFAULT_KEY_PREFIX})`,
  };

  /** Deno permissions for these settings, for `deno task permissions` (see permissions.ts). */
  permissions(settings: PermissionSettings): PermissionNeeds {
    return statePermissions(settings);
  }
  readonly #options: StateToolOptions;
  #driver: StateDriver;
  #store: State;
  #ctx: ToolContext | undefined;

  /** A tool on an in-memory driver (or `options.driver`) until `setup` chooses one. */
  constructor(options: StateToolOptions = {}) {
    this.#options = options;
    this.#driver = options.driver ?? new MemoryDriver();
    this.#store = new State(this.#driver);
  }

  /** Choose the driver from `STATE_DRIVER` (unless one was given) and follow its health. */
  async setup(ctx: ToolContext): Promise<void> {
    this.#ctx = ctx;
    if (!this.#options.driver) await this.#choose(ctx);
    this.#driver.onHealth?.((h) => ctx.health(h.state, h.reason));
  }

  async #choose(ctx: ToolContext): Promise<void> {
    const kind = (ctx.env("STATE_DRIVER") ?? "memory").trim().toLowerCase();
    if (kind === "memory" || kind === "") return;
    if (kind !== "redis") {
      throw new Error(`STATE_DRIVER=${kind} is not a state driver: use "memory" or "redis"`);
    }
    const url = ctx.env("REDIS_URL") || DEFAULT_REDIS_URL;
    const timeoutMs = parseTimeout(ctx.env("STATE_TIMEOUT_MS"));
    const ca = await readCa(ctx.env("REDIS_TLS_CA"), ctx.dataDir);
    const keyPrefix = ctx.env("STATE_KEY_PREFIX") ?? DEFAULT_KEY_PREFIX;
    const { RedisDriver } = await import("./redis_driver.ts");
    this.#driver = await RedisDriver.connect(url, { timeoutMs, ca, keyPrefix });
    this.#store = new State(this.#driver);
    const connected = this.#driver.health?.state === "ready";
    ctx.log.info("state uses Redis", { url: maskUrl(url), keyPrefix, timeoutMs, connected });
  }

  /**
   * Report the driver's health once more: the kernel ignores reports made during `setup`, so a
   * Redis that was unreachable at boot shows as degraded from here on.
   */
  onBootComplete(): void {
    const h = this.#driver.health;
    if (h && this.#ctx) this.#ctx.health(h.state, h.reason);
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

  /** The driver's name, the number of keys when the driver knows it; Redis's address, key prefix and bound. */
  describe(): Record<string, unknown> {
    const d = this.#driver as {
      size?: number;
      address?: string;
      keyPrefix?: string;
      timeoutMs?: number;
    };
    const out: Record<string, unknown> = { driver: this.#driver.name };
    if (d.size !== undefined) out.size = d.size;
    if (d.address !== undefined) out.address = d.address;
    if (d.keyPrefix !== undefined) out.keyPrefix = d.keyPrefix;
    if (d.timeoutMs !== undefined) out.timeoutMs = d.timeoutMs;
    return out;
  }

  /** Close the driver (drops in-memory state, closes the Redis connection). */
  async shutdown(): Promise<void> {
    await this.#driver.close();
  }
}
