/**
 * What the event bus uses of the `telemetry` tool when it is present (named in `uses`). Tools
 * import no other tool, so this is the shape it relies on, checked structurally.
 * @module
 */
import type { EventCounters, EventStats } from "./stats.ts";
import type { Envelope } from "./types.ts";

/** A node of a causal tree (a request, an event, a delivery). */
export interface CauseNode {
  /** The request id, or the event id (for a delivery: of the event being handled). */
  readonly id: string;
  error: string | undefined;
  attempts: number;
  finish(): void;
}

/** The telemetry tool's causal trace store, as the bus records into it. */
export interface CauseRecorder {
  /** Whether trees are recorded at all. */
  readonly on: boolean;
  /** The node the running code belongs to. */
  current(): CauseNode | undefined;
  /** An event published now, under the current node. */
  event(id: string, name: string, owner: string): CauseNode;
  /** One delivery attempt of event `id` to `subscriber`, under the event's node. */
  delivery(id: string, name: string, subscriber: string): CauseNode;
  run<R>(node: CauseNode, fn: () => R): R;
}

/** The telemetry tool's metrics, as far as the bus reports into them. */
export interface MetricsSink {
  /** The bus's counters per event name, read when scraped. */
  bus: (() => Iterable<[string, EventCounters]>) | undefined;
}

/** A span a delivery runs in. */
export interface SpanHandle {
  run<R>(fn: () => R): R;
  end(error?: unknown): void;
}

/** The telemetry tool's OpenTelemetry spans, as far as the bus uses them. */
export interface Tracing {
  /** A producer span, ended at once; its W3C `traceparent`. */
  publish(name: string, id: string, source: string): string | undefined;
  /** A consumer span: a child of the publish `traceparent` names, linked to it. */
  delivery(name: string, id: string, subscriber: string, traceparent?: string): SpanHandle;
  /** A span for one request answered in this process. */
  request(name: string, id: string, responder: string): SpanHandle;
}

/**
 * The `traceparent` of each envelope published or received here while tracing (in-process it
 * stays beside the frozen envelope; NATS carries it in the `traceparent` message header).
 */
export const TRACEPARENTS: WeakMap<Envelope, string> = new WeakMap();

/** The telemetry tool, as far as the bus uses it. */
export interface TelemetryTool {
  readonly traceStore: CauseRecorder;
  /** `undefined` when no tracer provider is registered. */
  readonly tracing?: Tracing;
  /** `undefined` when metrics are off. */
  readonly metrics?: MetricsSink;
}

/** Hand the telemetry tool (if any) the counters of `stats`, read when it is scraped. */
export function reportCounters(t: TelemetryTool | undefined, stats: EventStats): void {
  if (!t?.metrics) return;
  t.metrics.bus = function* () {
    for (const name of stats.names()) yield [name, stats.of(name)];
  };
}

/** The trace store to record into: the telemetry tool's, when present and recording. */
export function recorder(t: TelemetryTool | undefined): CauseRecorder | undefined {
  return t?.traceStore.on ? t.traceStore : undefined;
}
