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
  finish(): void;
}

/** The telemetry tool's causal trace store, as the http tool records into it. */
export interface CauseRecorder {
  /** Whether trees are recorded at all. */
  readonly on: boolean;
  request(rid: { peek(): string }, method: string, route: string, owner: string): CauseNode;
  run<R>(node: CauseNode, fn: () => R): R;
}

/** The telemetry tool, as far as the http tool uses it. */
export interface TelemetryTool {
  readonly traceStore: CauseRecorder;
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
