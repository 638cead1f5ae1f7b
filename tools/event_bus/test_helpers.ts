/**
 * Test helpers: owners, a set-up bus whose log records its lines, and a way to let it settle.
 * @module
 */
import type { LogSink, Owner } from "@core";
import { type LogLine, recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { EventBusTool } from "./tool.ts";
import type { EventBus } from "./types.ts";

/** What {@link makeBus} returns. */
export interface TestBus {
  /** The tool, set up. */
  bus: EventBusTool;
  /** Its log, keeping every line. */
  log: LogSink & { lines: LogLine[] };
  /** Activates owner `id` (generation 1 unless given) and returns its API. */
  live(id: string, generation?: number): EventBus;
}

/** An owner (plugin id + generation). */
export function owner(id: string, generation = 1): Owner {
  return { id, generation, domain: id.split("/")[0] };
}

/** A set-up bus, its recording log, and a helper that activates an owner and returns its API. */
export function makeBus(): TestBus {
  const bus = new EventBusTool();
  const log = recordingLog();
  bus.setup(standaloneContext({ log }));
  const live = (id: string, generation = 1) => {
    const o = owner(id, generation);
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  return { bus, log, live };
}

/** Let queued microtasks and `ms` of timers run. */
export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
