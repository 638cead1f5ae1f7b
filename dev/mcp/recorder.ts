/**
 * What the MCP tools `get_logs` and `get_traces` read: the app's recent log records and events,
 * kept in memory (bounded) by a LogTape sink and a dev-owned `**` subscription on the event bus,
 * plus the requests made through `call_endpoint`.
 * @module
 */
import { configure, getConfig, type LogRecord } from "@logtape/logtape";
import type { Kernel } from "@core";

/** One log record, as the tools show it. */
export interface LogLine {
  time: string;
  level: string;
  /** Who wrote it: the plugin or tool id (the LogTape category). */
  owner: string;
  message: string;
  props?: Record<string, unknown>;
}

/** One event the bus delivered. */
export interface EventLine {
  id: string;
  name: string;
  time: number;
  source: string;
  correlationId: string;
  payload: unknown;
}

/** One request made through `call_endpoint`. */
export interface CallLine {
  time: number;
  method: string;
  path: string;
  status: number;
  ms: number;
  /** The response's x-request-id, or `mcp-call-<n>` when it carried none. */
  requestId: string;
  /** Ids of the events published while the call ran. */
  events: string[];
}

/** A bounded list: the oldest entries go first. */
export class Ring<T> {
  readonly #items: T[] = [];
  constructor(readonly max: number) {}
  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.max) this.#items.splice(0, this.#items.length - this.max);
  }
  /** Oldest first. */
  all(): readonly T[] {
    return this.#items;
  }
}

const LEVELS: Record<string, string> = { warning: "warn", fatal: "error", trace: "debug" };

/** A LogTape record as a {@link LogLine}. */
export function toLogLine(r: LogRecord): LogLine {
  const message = typeof r.rawMessage === "string" && r.message.length <= 1
    ? r.rawMessage
    : r.message.map((m) => typeof m === "string" ? m : JSON.stringify(m)).join("");
  const line: LogLine = {
    time: new Date(r.timestamp).toISOString(),
    level: LEVELS[r.level] ?? r.level,
    owner: r.category.join("."),
    message,
  };
  if (Object.keys(r.properties).length) line.props = { ...r.properties };
  return line;
}

/** Recent logs, events and calls of the running app. */
export class Recorder {
  readonly logs: Ring<LogLine>;
  readonly events: Ring<EventLine>;
  readonly calls: Ring<CallLine>;

  constructor(size = 1000) {
    this.logs = new Ring(size);
    this.events = new Ring(size);
    this.calls = new Ring(Math.max(10, size / 10));
  }

  /**
   * Adds a sink to the LogTape configuration the logger tool made (same levels), so that every
   * record the app writes is also kept here. False when LogTape is not configured (test mode).
   */
  async tapLogs(): Promise<boolean> {
    const cfg = getConfig();
    if (!cfg) return false;
    const sink = (r: LogRecord) => this.logs.push(toLogLine(r));
    await configure({
      ...cfg,
      reset: true,
      sinks: { ...cfg.sinks, mcp: sink },
      loggers: cfg.loggers.map((l) =>
        (Array.isArray(l.category) ? l.category.length === 0 : l.category === "")
          ? { ...l, sinks: [...(l.sinks ?? []), "mcp"] }
          : l
      ),
    });
    return true;
  }

  /** Subscribes to every event (`**`) as the owner `dev/mcp`. False without an event bus. */
  tapEvents(kernel: Kernel): boolean {
    const bus = kernel.tools.get("event_bus");
    if (!bus?.forOwner) return false;
    const owner = { id: "dev/mcp", generation: 1, file: "dev/mcp/recorder.ts" };
    const api = bus.forOwner(owner) as {
      subscribe(p: string, h: (e: EventLine) => void): () => void;
    };
    api.subscribe("**", (e) => {
      this.events.push({
        id: e.id,
        name: e.name,
        time: e.time,
        source: e.source,
        correlationId: e.correlationId,
        payload: e.payload,
      });
    });
    bus.activate?.(owner);
    return true;
  }
}
