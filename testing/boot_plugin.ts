/**
 * `bootPlugin`: one plugin booted by a real {@link Kernel} in mode `test`, with hermetic tools,
 * and a handle to drive and inspect it.
 * @module
 */
import {
  type ErrorInfo,
  formatError,
  Kernel,
  type LogSink,
  type PluginClass,
  type PluginSource,
  type StatusEntry,
  type Tool,
} from "@core";
import type { Auth, Claims, SignOptions } from "@tools/auth/mod.ts";
import type { Db } from "@tools/db/mod.ts";
import type { HttpTool, RouteInfo } from "@tools/http/mod.ts";
import type { Level } from "@tools/logger/mod.ts";
import type { State } from "@tools/state/mod.ts";
import { SchedulerTool } from "@tools/scheduler/mod.ts";
import { TestClock, TestJobs } from "./jobs.ts";
import { RecordingEventBus, TEST_OWNER, TestBus } from "./bus.ts";
import { TestHttp } from "./http.ts";
import { callerUrl, fromClass, fromUrl, type PluginIdentity, toUrl } from "./locate.ts";
import { CaptureLoggerTool, PluginLogs } from "./logger.ts";
import { assertReleased } from "./released.ts";
import { asTool, testTools } from "./tools.ts";

/** Options of {@link bootPlugin}. */
export interface BootOptions {
  /**
   * Replace, add or remove tools by name. A `Tool` is used as is (the kernel calls its hooks);
   * any other value is injected as it is; `null` removes the tool (the plugin then fails as it
   * would in production, unless its parameter has a default).
   */
  tools?: Record<string, unknown>;
  /** What the `config` tool reads instead of the environment (default: nothing set). */
  config?: Record<string, string | undefined>;
  /**
   * Domains whose migrations run on the in-memory database, in order. Default: the plugin's
   * own domain. `[]` leaves the database empty.
   */
  domains?: string[];
  /** Plugin id `<domain>/<name>`, when it cannot be found (a class declared in the test). */
  id?: string;
  /** Lowest log level captured (default `debug`). */
  logLevel?: Level;
  /**
   * Where the scheduler's manual clock starts (`t.clock`): a Date, an ISO string or ms since
   * epoch (default: the real time at boot).
   */
  now?: Date | string | number;
}

/** Thrown by {@link bootPlugin} when the kernel could not boot the plugin. */
export class PluginBootError extends Error {
  override name = "PluginBootError";
  /** The kernel's error record (message, file, line). */
  readonly info: ErrorInfo;
  constructor(id: string, info: ErrorInfo) {
    super(`plugin ${id} failed to boot: ${formatError(info)}`);
    this.info = info;
  }
}

const quiet: LogSink = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A booted plugin and the tools around it. Dispose it (`await using`, or `await t.close()`) to
 * shut the kernel down: no timers, sockets or files are left open.
 */
export class PluginTest<P = unknown> implements AsyncDisposable {
  /** The kernel running the plugin (mode `test`). */
  readonly kernel: Kernel;
  /** Plugin id, `<domain>/<name>`. */
  readonly id: string;
  /** Project-relative plugin file. */
  readonly file: string;
  /** Log records, the plugin's first. */
  readonly logs: PluginLogs;
  #routes: RouteInfo[] = [];
  #http?: TestHttp;
  #bus?: TestBus;
  #jobs?: TestJobs;
  #clock?: TestClock;
  #closing?: Promise<void>;

  /** @internal Built by {@link bootPlugin}. */
  constructor(kernel: Kernel, who: PluginIdentity, logs: PluginLogs) {
    this.kernel = kernel;
    this.id = who.id;
    this.file = who.file;
    this.logs = logs;
  }

  /** The plugin instance the kernel built. */
  get plugin(): P {
    return this.kernel.instanceOf(this.id) as P;
  }

  /** The plugin's status entry (state, tools, publishes, error…). */
  get status(): StatusEntry | undefined {
    return this.kernel.status.get("plugin", this.id);
  }

  /** Calls the plugin's routes in-process (the real http tool, no socket). */
  get http(): TestHttp {
    return this.#http ??= new TestHttp(this.#tool<HttpTool>("http", "fetch"), this.id);
  }

  /** Delivers events, answers requests and records publishes (the real event bus). */
  get bus(): TestBus {
    if (!this.#bus) {
      const tool = this.kernel.tools.get("event_bus");
      if (!(tool instanceof RecordingEventBus)) {
        throw new Error("t.bus needs the kit's event_bus (it was overridden or removed)");
      }
      this.#bus = new TestBus(tool);
    }
    return this.#bus;
  }

  /**
   * The scheduler's background jobs and schedules: `await t.jobs.runDue()` runs what is due
   * now, `t.jobs.queued(name)` / `t.jobs.dead(name)` read the queue.
   */
  get jobs(): TestJobs {
    return this.#jobs ??= new TestJobs(this.#scheduler());
  }

  /**
   * The scheduler's manual clock: `await t.clock.advance(ms)` moves it and runs every slot,
   * retry and delayed job that comes due on the way, in order. No real time passes.
   */
  get clock(): TestClock {
    return this.#clock ??= new TestClock(this.#scheduler());
  }

  #scheduler(): SchedulerTool {
    const tool = this.kernel.tools.get("scheduler");
    if (!(tool instanceof SchedulerTool)) {
      throw new Error(
        "t.jobs and t.clock need the kit's scheduler tool (it was overridden or removed)",
      );
    }
    return tool;
  }

  /** The database the plugin uses (the same connection), to seed rows and check them. */
  get db(): Db {
    return this.tool<Db>("db");
  }

  /**
   * Rows of a query on the plugin's database, as plain objects (SQLite rows have a `null`
   * prototype, which `assert.deepEqual` tells apart from `{…}` literals).
   *
   * @example
   * ```ts
   * assert.deepEqual(await t.rows("SELECT name FROM products"), [{ name: "Tea" }]);
   * ```
   */
  async rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    const rows = await this.db.query(sql, params as never);
    return rows.map((r) => ({ ...r }) as T);
  }

  /** The auth tool the plugin uses (sign, verify, passwords, sessions). */
  get auth(): Auth {
    return this.tool<Auth>("auth");
  }

  /**
   * A valid token for `claims`, signed by the test's auth tool: call protected routes with it.
   *
   * @example
   * ```ts
   * const token = await t.token({ sub: "1", roles: ["admin"] });
   * const res = await t.http.request("DELETE", "/products/1", undefined, { token });
   * assert.equal(res.status, 204);
   * ```
   */
  token(claims: Claims, options?: SignOptions): Promise<string> {
    return this.auth.sign(claims, options);
  }

  /** The state store the plugin uses. */
  get state(): State {
    return this.tool<State>("state");
  }

  /** What a plugin asking for tool `name` would receive (as owner `test-kit`). */
  tool<T = unknown>(name: string): T {
    const t = this.kernel.tools.get(name);
    if (!t) throw new Error(`no tool "${name}" in this test`);
    return (t.forOwner ? t.forOwner(TEST_OWNER) : t) as T;
  }

  #tool<T>(name: string, method: string): T {
    const t = this.kernel.tools.get(name) as Record<string, unknown> | undefined;
    if (typeof t?.[method] !== "function") {
      throw new Error(`t.${name} needs the kit's ${name} tool (it was overridden or removed)`);
    }
    return t as T;
  }

  /** Unloads the plugin as the kernel does when its file is deleted: release, then shutdown. */
  async unload(): Promise<void> {
    const http = this.kernel.tools.get("http") as HttpTool | undefined;
    this.#routes = (http?.describeOwner?.(this.id)?.routes as RouteInfo[] | undefined) ?? [];
    await this.kernel.unloadPlugin(this.id);
  }

  /**
   * After {@link unload}: throws a `LeakError` listing anything the plugin still holds in any
   * tool (routes that still answer, subscriptions, responders, status entries).
   *
   * @example
   * ```ts
   * await t.unload();
   * await t.assertReleased();
   * ```
   */
  assertReleased(): Promise<void> {
    return assertReleased(this.kernel, this.id, this.#routes);
  }

  /**
   * Shuts the kernel down (tools drain and close); safe to call twice: every call resolves once
   * the one shutdown is done.
   */
  close(): Promise<void> {
    return this.#closing ??= this.kernel.shutdown(1000);
  }

  /** `await using t = await bootPlugin(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Boots one plugin exactly as the kernel does — same discovery of the tools it wants (by
 * constructor parameter name), same errors, same `onBoot`, same activation — inside a real
 * {@link Kernel} in mode `test` whose tools are fresh and hermetic (see {@link testTools}):
 * no port, no database file, no environment.
 *
 * `plugin` is the plugin class (imported by the test beside it) or its file (a URL, or a path
 * relative to the current directory). The database gets the plugin's domain migrations.
 * Rejects with a {@link PluginBootError} (and leaves nothing running) if the plugin fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootPlugin } from "@microcore/testing";
 * import CreateProductPlugin from "./create_product.ts";
 *
 * Deno.test("POST /products creates and announces", async () => {
 *   await using t = await bootPlugin(CreateProductPlugin);
 *   const res = await t.http.request("POST", "/products", { name: "Tea", price: 3 });
 *   assert.equal(res.status, 201);
 *   assert.deepEqual(t.bus.payloads("product.created"), [{ id: 1, name: "Tea", stock: 0 }]);
 *   assert.deepEqual(t.logs.messages("info"), ["product created"]);
 * });
 * ```
 */
export async function bootPlugin<C extends PluginClass>(
  plugin: C | string | URL,
  options: BootOptions = {},
): Promise<PluginTest<InstanceType<C>>> {
  const caller = callerUrl();
  const who = await identify(plugin, options, caller);
  const source: PluginSource = {
    id: who.id,
    domain: who.domain,
    file: who.file,
    load: typeof plugin === "function"
      ? () => Promise.resolve({ default: plugin })
      : () => import(who.url!),
  };
  const tools = new Map(testTools(options.config, options.now).map((t) => [t.name, t]));
  if (options.logLevel) tools.set("logger", new CaptureLoggerTool({ level: options.logLevel }));
  for (const [name, value] of Object.entries(options.tools ?? {})) {
    if (value === null || value === undefined) tools.delete(name);
    else tools.set(name, asTool(name, value));
  }
  // The kit's auth tool hands http its verifier (it depends on http): without http, no auth.
  if (!tools.has("http") && !(options.tools && "auth" in options.tools)) tools.delete("auth");
  const domains = (options.domains ?? (who.domain === "test" ? [] : [who.domain])).map((
    name,
  ) => ({ name, dir: `${who.root}/domains/${name}` }));
  const kernel = new Kernel({
    root: who.root,
    mode: "test",
    log: quiet,
    source: { tools: [], domains, plugins: [source] },
    tools: [...tools.values()],
  });
  await kernel.boot();
  const logger = kernel.tools.get("logger");
  const capture = logger instanceof CaptureLoggerTool
    ? logger.capture
    : new CaptureLoggerTool().capture;
  const t = new PluginTest<InstanceType<C>>(kernel, who, new PluginLogs(capture, who.id));
  const entry = kernel.status.get("plugin", who.id);
  // Stryker disable next-line OptionalChaining: the kernel records every plugin it was given
  if (entry?.state !== "ready") {
    await t.close();
    // Stryker disable next-line OptionalChaining,ObjectLiteral,StringLiteral: …and an error with every plugin that is not ready
    throw new PluginBootError(who.id, entry?.error ?? { message: "did not boot" });
  }
  const failedTool = kernel.status.list().find((e) => e.kind === "tool" && e.state === "failed");
  if (failedTool) {
    await t.close();
    // Stryker disable next-line OptionalChaining: the kernel records an error with every failed tool
    throw new Error(`tool ${failedTool.id} failed: ${failedTool.error?.message}`);
  }
  return t;
}

async function identify(
  plugin: PluginClass | string | URL,
  options: BootOptions,
  caller: string | undefined,
): Promise<PluginIdentity> {
  let who: PluginIdentity | undefined;
  if (typeof plugin === "function") {
    who = await fromClass(plugin, caller);
    if (!who) {
      const base = caller ? fromUrl(caller) : undefined;
      const stem = plugin.name.replace(/Plugin$/, "").replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .toLowerCase() || "plugin";
      who = {
        id: `${base?.domain ?? "test"}/${stem}`,
        domain: base?.domain ?? "test",
        file: plugin.name || "(anonymous plugin class)",
        root: base?.root ?? fromUrl(import.meta.url).root,
      };
    }
  } else {
    who = fromUrl(toUrl(plugin));
  }
  if (options.id) {
    const [domain] = options.id.split("/");
    who = { ...who, id: options.id, domain };
  }
  return who;
}

/** Re-exported so tests need one import. */
export type { Tool };
