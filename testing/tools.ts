/**
 * The tools a plugin test boots with: fresh instances of the real built-in tools, made hermetic
 * (in-memory SQLite, in-memory state, config from a plain object, captured logs, no listener).
 * @module
 */
import type { Tool } from "@core";
import AuthTool from "@tools/auth/mod.ts";
import ConfigTool from "@tools/config/mod.ts";
import DbTool, { SqliteDriver } from "@tools/db/mod.ts";
import HttpTool from "@tools/http/mod.ts";
import { InProcessDriver } from "@tools/event_bus/mod.ts";
import StateTool, { MemoryDriver } from "@tools/state/mod.ts";
import SchedulerTool, { ManualClock } from "@tools/scheduler/mod.ts";
import TelemetryTool from "@tools/telemetry/mod.ts";
import { RecordingEventBus } from "./bus.ts";
import { CaptureLoggerTool } from "./logger.ts";

/**
 * One fresh instance of each built-in tool, as a plugin test uses them:
 *
 * | tool | in a test |
 * | --- | --- |
 * | `http` | the real tool; mode `test` never listens, requests go through `fetch(Request)` |
 * | `db` | the real tool on a private in-memory SQLite (env `DB_*`/`DATABASE_URL` ignored) |
 * | `event_bus` | the real in-process bus (env `EVENT_BUS_DRIVER` ignored), recording publishes |
 * | `logger` | {@link CaptureLoggerTool}: the real `Logger` class writing to memory |
 * | `state` | the real tool on its memory driver (env `STATE_DRIVER` ignored) |
 * | `config` | the real tool reading `config` instead of the environment |
 * | `auth` | the real tool: a random per-test HS256 secret, cheap password hashing parameters |
 * | `scheduler` | the real tool on a manual clock (`t.clock`, `t.jobs`): nothing runs until the test says |
 * | `telemetry` | the real tool: causal trees of the test's requests and events |
 *
 * @example
 * ```ts
 * const tools = testTools({ GREETING: "hi" });
 * tools.map((t) => t.name); // ["logger", "config", "http", "db", "event_bus", "state", "auth", "scheduler", "telemetry"]
 * ```
 */
export function testTools(
  config: Record<string, string | undefined> = {},
  now: Date | string | number = Date.now(),
): Tool[] {
  return [
    new CaptureLoggerTool(),
    ConfigTool.fromObject(config),
    new HttpTool(),
    // Hermetic: migrations run whatever DB_AUTO_MIGRATE says in the environment.
    new DbTool({ driver: () => new SqliteDriver({ path: ":memory:" }), autoMigrate: true }),
    new RecordingEventBus({ driver: new InProcessDriver() }),
    new StateTool({ driver: new MemoryDriver() }),
    new AuthTool({ fastPasswords: true }),
    new SchedulerTool({ clock: new ManualClock(new Date(now).getTime()) }),
    new TelemetryTool(),
  ];
}

/**
 * A tool from a test's override: a `Tool` (an object with this `name` and a `forOwner`, `setup`
 * or `release` hook) is used as is; any other value is injected as it is into plugins that ask
 * for `name`, and the kernel calls none of its methods.
 */
export function asTool(name: string, value: unknown): Tool {
  const v = value as Partial<Tool> | null;
  const isTool = !!v && typeof v === "object" && v.name === name &&
    (typeof v.forOwner === "function" || typeof v.setup === "function" ||
      typeof v.release === "function");
  return isTool ? v as Tool : { name, forOwner: () => value };
}
