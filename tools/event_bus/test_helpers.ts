/**
 * Test helpers: a fake ToolContext that records log lines, owners, and a way to wait for the
 * bus to settle.
 * @module
 */
import type { LogSink, Owner, StatusRegistry, ToolContext } from "../../core/types.ts";
import { EventBusTool } from "./event_bus_tool.ts";

/** One recorded log line. */
export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  props?: Record<string, unknown>;
}

/** A ToolContext whose log sink records lines into `lines`. */
export function fakeContext(): ToolContext & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const rec = (level: LogLine["level"]) => (message: string, props?: Record<string, unknown>) =>
    void lines.push({ level, message, props });
  const log: LogSink = {
    debug: rec("debug"),
    info: rec("info"),
    warn: rec("warn"),
    error: rec("error"),
  };
  const status: StatusRegistry = { list: () => [], get: () => undefined, summary: () => ({}) };
  return {
    root: "/tmp",
    mode: "test",
    status,
    domains: [],
    tool: () => undefined,
    log,
    lines,
  };
}

/** An owner (plugin id + generation). */
export function owner(id: string, generation = 1): Owner {
  return { id, generation, domain: id.split("/")[0] };
}

/** A set-up bus, its context, and a helper that activates an owner and returns its API. */
export function makeBus() {
  const bus = new EventBusTool();
  const ctx = fakeContext();
  bus.setup(ctx);
  const live = (id: string, generation = 1) => {
    const o = owner(id, generation);
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  return { bus, ctx, live };
}

/** Let queued microtasks and `ms` of timers run. */
export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
