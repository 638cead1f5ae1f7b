/**
 * What the http tool uses of the `telemetry` tool when it is present (named in `uses`). Tools
 * import no other tool, so this is the shape it relies on, checked structurally.
 * @module
 */
import type { RouteDef } from "./route_table.ts";

/** A request's node in a causal tree. */
export interface CauseNode {
  status: number;
  error: string | undefined;
  /** Finished at `now` (`performance.now()`). */
  finish(now: number): void;
}

/** The telemetry tool's causal trace store, as the http tool records into it. */
export interface CauseRecorder {
  /** Whether trees are recorded at all. */
  readonly on: boolean;
  request(
    rid: { peek(): string },
    method: string,
    route: string,
    owner: string,
    t0: number,
  ): CauseNode;
  run<R>(node: CauseNode, fn: () => R): R;
}

/** The request durations of one route template and method (per status class). */
export interface RouteSeries {
  /** The method label it counts (what a cached series is checked against). */
  readonly method: string;
  observe(status: number, seconds: number): void;
}

/** The telemetry tool's metrics, as the http tool records into them. */
export interface MetricsSink {
  /** The series of `method` requests to `route` (a template; `undefined`: none matched). */
  series(method: string, route: string | undefined): RouteSeries;
  /** Requests in flight, read when scraped. */
  inflight: (() => number) | undefined;
}

/** The telemetry tool's OpenTelemetry spans, as far as the http tool uses them. */
export interface Tracing {
  /** Name the active request span after its route template and set `http.route`. */
  route(method: string, template: string): void;
}

/** The telemetry tool, as far as the http tool uses it. */
export interface TelemetryTool {
  readonly traceStore: CauseRecorder;
  /** `undefined` when no tracer provider is registered. */
  readonly tracing?: Tracing;
  /** `undefined` when metrics are off. */
  readonly metrics?: MetricsSink;
}

/**
 * Count one request answered after `ms`. The route caches its series, so a request costs a
 * histogram increment, no allocation.
 */
export function observe(
  m: MetricsSink,
  route: RouteDef | undefined,
  method: string,
  status: number,
  ms: number,
): void {
  const seconds = ms / 1000;
  let s = route?.series;
  if (s === undefined || s.method !== method) {
    s = m.series(method, route?.path);
    if (route) route.series = s;
  }
  s.observe(status, seconds);
}

/** Paths of the app's own insides: requests to them are not traced (a polling page would flood). */
const QUIET = /^\/(system|metrics|health|docs|openapi\.json)(\/|$)/;

/** Whether requests to `route` go into the causal trees (decided once per route). */
export function traced(route: RouteDef): boolean {
  return route.traced ??= route.kind !== "builtin" && !QUIET.test(route.path);
}

/** The trace store to record into: the telemetry tool's, when present and recording. */
export function recorder(t: TelemetryTool | undefined): CauseRecorder | undefined {
  return t?.traceStore.on ? t.traceStore : undefined;
}
