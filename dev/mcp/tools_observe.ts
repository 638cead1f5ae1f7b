/**
 * MCP tools over what happened: `get_logs` (recent log records) and `get_traces` (requests with
 * their log lines and the events they caused, as far as the app records today).
 * @module
 */
import { z } from "zod";
import type { EventLine, LogLine, Recorder } from "./recorder.ts";
import { defineTool, type McpDeps, type ToolDef } from "./server.ts";

const RANK: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Input of {@link getLogs}. */
export interface LogQuery {
  level?: "debug" | "info" | "warn" | "error";
  owner?: string;
  contains?: string;
  request_id?: string;
  limit?: number;
}

/** The newest records (oldest first) at `level` or above, of `owner` (prefix), containing text. */
export function getLogs(rec: Recorder, q: LogQuery = {}): LogLine[] {
  const min = RANK[q.level ?? "debug"];
  const out = rec.logs.all().filter((l) =>
    (RANK[l.level] ?? 1) >= min &&
    (!q.owner || l.owner === q.owner || l.owner.startsWith(`${q.owner}`)) &&
    (!q.contains || l.message.includes(q.contains)) &&
    (!q.request_id || l.props?.requestId === q.request_id)
  );
  return out.slice(-(q.limit ?? 50));
}

/** What the traces do not show yet, said in every answer. */
export const TRACE_GAPS =
  "Built from what the app records today: requests made through call_endpoint (with the " +
  "events published while they ran, matched by time, not causally), log lines carrying a " +
  "requestId (access lines at LOG_LEVEL=debug, and errors), and events chained by " +
  "correlationId. Missing until the app records spans: requests from other clients without a " +
  "log line, database statements, timings inside a handler, and the event-to-request link.";

/** Said when the telemetry tool's causal trees are in the answer. */
export const CAUSAL_NOTE =
  "`causal` holds the telemetry tool's trees (request → events → deliveries, with durations and " +
  "failures; the same as GET /system/traces); calls, log lines and events recorded by the MCP " +
  "server are beside them.";

function chain(events: readonly EventLine[], roots: string[]): EventLine[] {
  const ids = new Set(roots);
  const corr = new Set<string>();
  for (const e of events) if (ids.has(e.id)) corr.add(e.correlationId);
  return events.filter((e) => ids.has(e.id) || corr.has(e.correlationId));
}

/** The telemetry tool's causal trees (request → events → deliveries), when it runs. */
export type CausalTrees = (q: { id?: string; limit?: number }) => unknown[];

/** One request's trace, or the recent requests; `causal` adds the telemetry tool's trees. */
export function getTraces(
  rec: Recorder,
  q: { request_id?: string; limit?: number } = {},
  causal?: CausalTrees,
) {
  const events = rec.events.all();
  const trees = causal ? causal({ id: q.request_id, limit: q.limit ?? 20 }) : undefined;
  if (q.request_id) {
    const call = rec.calls.all().find((c) => c.requestId === q.request_id);
    return {
      requestId: q.request_id,
      ...(trees ? { causal: trees } : {}),
      call: call ?? null,
      logs: getLogs(rec, { request_id: q.request_id, limit: 200 }),
      events: call ? chain(events, call.events) : [],
      note: trees ? CAUSAL_NOTE : TRACE_GAPS,
    };
  }
  const fromLogs = new Map<string, LogLine[]>();
  for (const l of rec.logs.all()) {
    const id = l.props?.requestId;
    if (typeof id === "string") (fromLogs.get(id) ?? fromLogs.set(id, []).get(id)!).push(l);
  }
  const calls = rec.calls.all().map((c) => ({
    ...c,
    time: new Date(c.time).toISOString(),
    events: chain(events, c.events).map((e) => `${e.name} (${e.id}, from ${e.source})`),
  }));
  const logged = [...fromLogs].map(([requestId, lines]) => ({
    requestId,
    lines: lines.map((l) => `${l.time} ${l.level} ${l.owner}: ${l.message}`),
  }));
  const n = q.limit ?? 20;
  return {
    ...(trees ? { causal: trees } : {}),
    calls: calls.slice(-n),
    requestsInLogs: logged.slice(-n),
    recentEvents: events.slice(-n),
    note: trees ? CAUSAL_NOTE : TRACE_GAPS,
  };
}

/** The tools of this file. */
export function observeTools({ recorder, kernel }: McpDeps): ToolDef[] {
  const telemetry = kernel.tools.get("telemetry") as { traces?: CausalTrees } | undefined;
  const causal = typeof telemetry?.traces === "function"
    ? (q: { id?: string; limit?: number }) => telemetry.traces!(q)
    : undefined;
  return [
    defineTool({
      name: "get_logs",
      description:
        "Recent log records of the running app (newest last): time, level, owner (plugin or " +
        "tool id), message and fields. Filter by minimum level, owner, text or request id.",
      input: {
        level: z.enum(["debug", "info", "warn", "error"]).optional(),
        owner: z.string().optional().describe("plugin or tool id, e.g. users/create_user"),
        contains: z.string().optional(),
        request_id: z.string().optional(),
        limit: z.number().int().positive().max(1000).optional().describe("default 50"),
      },
      readOnly: true,
      run: (a) => ({ records: getLogs(recorder, a) }),
    }),
    defineTool({
      name: "get_traces",
      description:
        "What a request caused: with request_id, its call, its log lines and its events; " +
        "without, the recent requests and events. See `note` for what is not traced yet.",
      input: {
        request_id: z.string().optional(),
        limit: z.number().int().positive().max(200).optional().describe("default 20"),
      },
      readOnly: true,
      run: (a) => getTraces(recorder, a, causal),
    }),
  ];
}
