/**
 * Test helpers: a fake ToolContext that records log lines, owners, and a way to wait for the
 * bus to settle.
 * @module
 */
import type { Owner, ToolContext } from "../../core/types.ts";
import { type LogLine, recordingLog, standaloneContext } from "../../core/standalone.ts";
import { EventBusTool } from "./event_bus_tool.ts";

export type { LogLine };

/** A ToolContext whose log sink records lines into `lines`. */
export function fakeContext(): ToolContext & { lines: LogLine[] } {
  const log = recordingLog();
  return { ...standaloneContext({ root: "/tmp", log }), lines: log.lines };
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
