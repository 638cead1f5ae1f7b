/**
 * The `telemetry` tool's lifecycle: its settings, the causal trace store the http tool and the
 * event bus record into (they name it in `uses`), and what plugins read (`forOwner`).
 * @module
 */
import type { Owner, Tool, ToolContext } from "@core";
import { type TraceQuery, TraceStore, type TraceView } from "./causality.ts";

/** Trees kept when `TELEMETRY_TRACES` is unset. */
export const DEFAULT_TRACES = 200;

/**
 * What a plugin receives when it asks for `telemetry` (the system pages do): read-only views.
 */
export interface Telemetry {
  /**
   * The most recent causal trees (request → events → deliveries), newest first: see
   * {@link TraceQuery} for the filters. Empty when `TELEMETRY_TRACES=0`.
   */
  traces(query?: TraceQuery): TraceView[];
}

/** The tool instance; the http tool and the event bus record through its {@link traceStore}. */
export class TelemetryTool implements Tool {
  /** The name plugins ask for. */
  readonly name = "telemetry";
  /** One line for the status page and AI_CONTEXT.md. */
  readonly description =
    "Observability: causal traces (request → events → deliveries) for /system/traces";
  /** The settings the tool reads in `setup`. */
  readonly env = {
    TELEMETRY_TRACES:
      "how many recent causal trees (request → events → deliveries) /system/traces keeps; 0 = record none (default 200)",
  } as const;

  #traces: TraceStore;
  readonly #given: boolean;

  /** `options.traces` replaces `TELEMETRY_TRACES` (trees kept; 0 records none). */
  constructor(options: { traces?: number } = {}) {
    this.#given = options.traces !== undefined;
    this.#traces = new TraceStore(options.traces ?? DEFAULT_TRACES);
  }

  /** The causal trace store (what the http tool and the event bus record into). */
  get traceStore(): TraceStore {
    return this.#traces;
  }

  /**
   * The most recent causal trees, newest first (what `/system/traces` serves, and what dev tools
   * such as the MCP server's `get_traces` read: `kernel.tools.get("telemetry")`).
   */
  traces(query?: TraceQuery): TraceView[] {
    return this.#traces.list(query);
  }

  /** Read `TELEMETRY_TRACES` (unless the constructor was given a value). */
  setup(ctx: ToolContext): void {
    const v = ctx.env("TELEMETRY_TRACES");
    if (v !== undefined && !this.#given) {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 100_000) {
        throw new Error(
          `TELEMETRY_TRACES must be a whole number from 0 (record none) to 100000: ${v}`,
        );
      }
      this.#traces = new TraceStore(n);
    }
  }

  /** The read-only view plugins get. */
  forOwner(_owner: Owner): Telemetry {
    return { traces: (q) => this.#traces.list(q) };
  }

  /** How many trees are kept. */
  describe(): Record<string, unknown> {
    return { traces: this.#traces.max };
  }
}
