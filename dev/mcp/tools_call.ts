/**
 * MCP tools that act on the app: `call_endpoint` (in-process through the http tool, no socket),
 * `publish_event` and `request_event` (as the owner `dev/mcp`).
 * @module
 */
import { z } from "zod";
import type { Kernel } from "@core";
import type { Recorder } from "./recorder.ts";
import { defineTool, type McpDeps, type ToolDef } from "./server.ts";

/** The owner the MCP server publishes and requests as. */
export const MCP_OWNER = { id: "dev/mcp", generation: 1, file: "dev/mcp/tools_call.ts" };

/** How long after a call its asynchronous subscribers' events still count as its own (ms). */
const SETTLE_MS = 50;

let calls = 0;

/** Input of {@link callEndpoint}. */
export interface CallInput {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  token?: string;
  as_user?: { sub: string; roles?: string[] };
}

/** A bearer token for `user`, signed by the app's auth tool (dev only). */
async function mint(kernel: Kernel, user: { sub: string; roles?: string[] }): Promise<string> {
  const auth = kernel.tools.get("auth") as
    | { auth?: { sign(c: Record<string, unknown>, o?: { expiresIn?: number }): Promise<string> } }
    | undefined;
  if (!auth?.auth) throw new Error("as_user needs the auth tool, and it is not loaded");
  return await auth.auth.sign({ sub: user.sub, roles: user.roles ?? [] }, { expiresIn: 600 });
}

/** Calls a route in-process and reports status, headers, body, request id and events. */
export async function callEndpoint(kernel: Kernel, rec: Recorder, a: CallInput) {
  const http = kernel.tools.get("http") as
    | { fetch(r: Request): Promise<Response> }
    | undefined;
  if (!http?.fetch) throw new Error("no http tool is loaded");
  if (!a.path.startsWith("/")) throw new Error(`path must start with "/": ${a.path}`);
  const url = new URL(a.path, "http://mcp.local");
  for (const [k, v] of Object.entries(a.query ?? {})) url.searchParams.append(k, v);
  const headers = new Headers(a.headers ?? {});
  const token = a.token ?? (a.as_user ? await mint(kernel, a.as_user) : undefined);
  if (token) headers.set("authorization", `Bearer ${token}`);
  let body: string | undefined;
  if (a.body !== undefined && a.body !== null) {
    body = typeof a.body === "string" ? a.body : JSON.stringify(a.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const method = a.method.toUpperCase();
  const before = rec.events.all().length ? rec.events.all().at(-1)!.id : "";
  const t0 = performance.now();
  const started = Date.now();
  const res = await http.fetch(new Request(url, { method, headers, body }));
  const text = await res.text();
  const ms = Math.round(performance.now() - t0);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const events = rec.events.all().filter((e) => e.id > before && e.time >= started - 1);
  let parsed: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    try {
      parsed = JSON.parse(text);
    } catch { /* keep the text */ }
  }
  // Without x-request-id (a 2xx whose access line is off) the call gets an id of its own.
  const requestId = res.headers.get("x-request-id") ?? `mcp-call-${++calls}`;
  rec.calls.push({
    time: started,
    method,
    path: a.path,
    status: res.status,
    ms,
    requestId,
    events: events.map((e) => e.id),
  });
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: parsed,
    requestId,
    ms,
    eventsDuringCall: events.map(({ id, name, source, payload }) => ({
      id,
      name,
      source,
      payload,
    })),
  };
}

function busOf(kernel: Kernel) {
  const bus = kernel.tools.get("event_bus");
  if (!bus?.forOwner) throw new Error("no event_bus tool is loaded");
  return bus.forOwner(MCP_OWNER) as {
    publish(name: string, payload?: unknown): PromiseLike<void>;
    request(name: string, payload?: unknown, o?: { timeout?: number }): Promise<unknown>;
  };
}

/** The tools of this file; `publish_event` and `request_event` only in dev mode. */
export function callTools({ kernel, recorder }: McpDeps): ToolDef[] {
  const tools: ToolDef[] = [
    defineTool({
      name: "call_endpoint",
      description:
        "Call a route of the running app (in-process, as a client would) and get status, " +
        "headers, parsed body, the request id (x-request-id, else an mcp-call-N id; pass it to " +
        "get_traces) and the " +
        "events published while it ran. Protected routes: pass `token`, or `as_user` to have a " +
        "short-lived token signed for that user.",
      input: {
        method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
        path: z.string().describe("path with params filled in, e.g. /users/42"),
        query: z.record(z.string(), z.string()).optional(),
        body: z.unknown().optional().describe("JSON body (objects are sent as JSON)"),
        headers: z.record(z.string(), z.string()).optional(),
        token: z.string().optional().describe("bearer token for auth: routes"),
        as_user: z.object({ sub: z.string(), roles: z.array(z.string()).optional() }).optional()
          .describe("sign a 10-minute dev token for this user (needs the auth tool)"),
      },
      run: (a) => callEndpoint(kernel, recorder, a as CallInput),
    }),
  ];
  if (kernel.mode !== "dev" && kernel.mode !== "test") return tools;
  tools.push(
    defineTool({
      name: "publish_event",
      description:
        "Publish an event on the app's event bus (dev only), as the owner dev/mcp; subscribers " +
        "run as for any publish. Returns the event id and the events seen in the next 50 ms.",
      input: { name: z.string().describe("e.g. order.created"), payload: z.unknown().optional() },
      run: async (a) => {
        const before = recorder.events.all().at(-1)?.id ?? "";
        await busOf(kernel).publish(a.name, a.payload);
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const seen = recorder.events.all().filter((e) => e.id > before);
        const own = seen.find((e) => e.name === a.name && e.source === MCP_OWNER.id);
        return { published: a.name, id: own?.id ?? null, events: seen };
      },
    }),
    defineTool({
      name: "request_event",
      description:
        "Ask the single responder of an event name (dev only) and return its answer, or the " +
        "error (no_responder, timeout, responder_error).",
      input: {
        name: z.string(),
        payload: z.unknown().optional(),
        timeout_ms: z.number().int().positive().max(60_000).optional(),
      },
      run: async (a) => ({
        answer: await busOf(kernel).request(a.name, a.payload, { timeout: a.timeout_ms ?? 5000 }),
      }),
    }),
  );
  return tools;
}
