/**
 * The `telemetry` tool: what the app did and why. The http tool and the event bus record into
 * it when it is present (they name it in `uses`):
 *
 * - **Causality.** Work for a request or an event delivery runs inside its node; an event
 *   published there carries its parent's id (`Envelope.parentId`: the request id, or the id of
 *   the event being handled). The most recent trees — request → events → deliveries, with
 *   durations and failures — are kept in bounded memory (`TELEMETRY_TRACES`, default 200 trees
 *   of at most 256 nodes) and served by `GET /system/traces` (domains/system).
 *
 * - **Metrics.** `GET /metrics` (domains/system) in the Prometheus text format: HTTP request
 *   durations by method, route template and status class, requests in flight, db statement
 *   durations, the bus's counters per event, reloads, plugin states, process memory
 *   (`TELEMETRY_METRICS`, default on). Recording allocates nothing per request.
 *
 * - **OpenTelemetry.** With a tracer provider registered (`OTEL_DENO=true`: Deno's, exported over
 *   OTLP), the request span gets `http.route`, each db statement and each bus publish and
 *   delivery is a span (a delivery is a child of its publish and linked to it; over NATS through
 *   a W3C `traceparent` header), and each reload is one.
 *
 * See docs/observability.md.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@tools/telemetry/mod.ts";
 *
 * export default class SlowRequests extends BasePlugin {
 *   constructor(private telemetry: Telemetry) {
 *     super();
 *   }
 *   failures() {
 *     return this.telemetry.traces({ failed: true, limit: 10 });
 *   }
 * }
 * ```
 * @module
 */
import { TelemetryTool } from "./tool.ts";

export { DEFAULT_TRACES, type Telemetry, type TelemetryOptions, TelemetryTool } from "./tool.ts";
export { type BusCounters, MAX_SERIES, Metrics, RouteSeries } from "./metrics.ts";
export { DURATION_BUCKETS, Histogram } from "./histogram.ts";
export { SCOPE, SpanHandle, Tracing, tracingOn } from "./otel.ts";
export { escapeLabel, Exposition, type Labels, PROMETHEUS_TYPE } from "./prometheus.ts";
export {
  CauseNode,
  type LazyId,
  MAX_NODES_PER_TREE,
  type NodeKind,
  type TraceQuery,
  TraceStore,
  type TraceView,
} from "./causality.ts";

/** The tool class; the kernel makes one instance per kernel. */
export default TelemetryTool;
