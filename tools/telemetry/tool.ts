/**
 * The `telemetry` tool's lifecycle: its settings, the causal trace store the http tool and the
 * event bus record into (they name it in `uses`), and what plugins read (`forOwner`).
 * @module
 */
import type { Owner, StatusRegistry, Tool, ToolContext } from "@core";
import { type TraceQuery, TraceStore, type TraceView } from "./causality.ts";
import { Metrics } from "./metrics.ts";
import { Tracing, tracingOn } from "./otel.ts";
import { exportOverOtlp } from "./otel_metrics.ts";

/** Trees kept when `TELEMETRY_TRACES` is unset (in dev and tests; none in start). */
export const DEFAULT_TRACES = 200;

/**
 * What a plugin receives when it asks for `telemetry` (the system pages do): read-only views.
 */
export interface Telemetry {
  /**
   * Recent trees. Each is a request (or an event) → the events it
   * published → their deliveries; see {@link TraceQuery}. Empty when `TELEMETRY_TRACES=0`.
   */
  traces(query?: TraceQuery): TraceView[];
  /**
   * Metrics as Prometheus text. `undefined` when `TELEMETRY_METRICS=off`; format 0.0.4.
   */
  prometheus(): string | undefined;
}

/** Options of {@link TelemetryTool}: each replaces its setting. */
export interface TelemetryOptions {
  /** Causal trees kept (`TELEMETRY_TRACES`; 0 records none). */
  traces?: number;
  /** Whether the tools count metrics (`TELEMETRY_METRICS`). */
  metrics?: boolean;
  /** The spans to make (default: OpenTelemetry's, when a tracer provider is registered). */
  tracing?: Tracing;
}

/** The tool instance; the http tool and the event bus record through its {@link traceStore}. */
export class TelemetryTool implements Tool {
  /** The name plugins ask for. */
  readonly name = "telemetry";
  /** One line for the status page and AI_CONTEXT.md. */
  readonly description = "Traces, metrics";
  /** The settings the tool reads in `setup`. */
  readonly env = {
    TELEMETRY_TRACES:
      "how many recent causal trees (request → events → deliveries) /system/traces keeps, and whether events carry parentId; 0 = record none (default 200 in dev and tests, 0 in start)",
    TELEMETRY_METRICS:
      "`on`: the http tool, the db and the bus count into the metrics GET /metrics serves; `off`: they count nothing (default on)",
  } as const;

  #traces: TraceStore;
  #metrics: Metrics | undefined;
  #status: StatusRegistry | undefined;
  #tracing: Tracing | undefined;
  readonly #options: TelemetryOptions;

  /** Options replace the settings they name. */
  constructor(options: TelemetryOptions = {}) {
    this.#options = options;
    this.#traces = new TraceStore(options.traces ?? DEFAULT_TRACES);
    this.#metrics = options.metrics === false ? undefined : new Metrics();
  }

  /** The metrics the tools record into, `undefined` when off (`TELEMETRY_METRICS=off`). */
  get metrics(): Metrics | undefined {
    return this.#metrics;
  }

  /**
   * OpenTelemetry spans, when a tracer provider is registered (`OTEL_DENO=true`), else
   * `undefined`: the tools then make none.
   */
  get tracing(): Tracing | undefined {
    return this.#tracing;
  }

  /** Every metric in the Prometheus text format, `undefined` when metrics are off. */
  prometheus(): string | undefined {
    return this.#metrics?.render(this.#status);
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

  /** Read `TELEMETRY_TRACES` and `TELEMETRY_METRICS` (unless the constructor set them). */
  setup(ctx: ToolContext): void {
    this.#status = ctx.status;
    this.#tracing = this.#options.tracing ?? (tracingOn() ? new Tracing() : undefined);
    const m = ctx.env("TELEMETRY_METRICS");
    if (m !== undefined && this.#options.metrics === undefined) {
      if (m !== "on" && m !== "off") {
        throw new Error(`TELEMETRY_METRICS must be "on" or "off": ${m}`);
      }
      this.#metrics = m === "on" ? new Metrics() : undefined;
    }
    // With OpenTelemetry on, the same instruments go out over OTLP too.
    if (this.#metrics && this.#tracing && this.#options.tracing === undefined) {
      exportOverOtlp(this.#metrics);
    }
    const v = ctx.env("TELEMETRY_TRACES");
    // In start, off unless asked for: a traced request costs ~2 µs of CPU (docs/observability.md).
    if (v === undefined && this.#options.traces === undefined && ctx.mode === "start") {
      this.#traces = new TraceStore(0);
    }
    if (v !== undefined && this.#options.traces === undefined) {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 100_000) {
        throw new Error(
          `TELEMETRY_TRACES must be a whole number from 0 (record none) to 100000: ${v}`,
        );
      }
      this.#traces = new TraceStore(n);
    }
  }

  /** A plugin generation went live: a reload (generation > 1) is a span, when tracing. */
  activate(owner: Owner): void {
    if (!this.#tracing || owner.generation < 2) return;
    const ms = this.#status?.get("plugin", owner.id)?.loadMs ?? 0;
    this.#tracing.reload(owner.id, ms, true);
  }

  /** The read-only view plugins get. */
  forOwner(_owner: Owner): Telemetry {
    return { traces: (q) => this.#traces.list(q), prometheus: () => this.prometheus() };
  }

  /** How many trees are kept. */
  describe(): Record<string, unknown> {
    return {
      traces: this.#traces.max,
      metrics: this.#metrics ? "on" : "off",
      opentelemetry: this.#tracing ? "on" : "off",
    };
  }
}
