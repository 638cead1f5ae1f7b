/**
 * MCP tools that read what is loaded: `list_plugins`, `list_routes`, `list_events`,
 * `get_context`.
 * @module
 */
import { z } from "zod";
import type { ErrorInfo, Kernel, StatusEntry } from "@core";
import { defineTool, type McpDeps, readContext, type ToolDef } from "./server.ts";
import { callsIn } from "../context/contracts.ts";

/** `file:line:column` of an error, or its file, or undefined. */
export function where(e: ErrorInfo | undefined): string | undefined {
  if (!e?.file) return undefined;
  return e.line ? `${e.file}:${e.line}${e.column ? `:${e.column}` : ""}` : e.file;
}

/** Event names a plugin's file passes literally to `.publish(` (see dev/context/contracts.ts). */
function publishCalls(kernel: Kernel, e: StatusEntry): string[] {
  if (e.kind !== "plugin" || !e.file) return [];
  try {
    return callsIn(Deno.readTextFileSync(`${kernel.root}/${e.file}`)).publishes;
  } catch {
    return [];
  }
}

function errorOf(e: StatusEntry): Record<string, unknown> | undefined {
  if (!e.error) return undefined;
  return { message: e.error.message, at: where(e.error) ?? null };
}

const arr = (v: unknown): unknown[] => Array.isArray(v) ? v : [];

/** Every plugin (and with `tools`, every tool) as `list_plugins` shows it. */
export function listPlugins(kernel: Kernel, opts: { state?: string; tools?: boolean } = {}) {
  return kernel.status.snapshot().entries
    .filter((e) => (opts.tools || e.kind === "plugin") && (!opts.state || e.state === opts.state))
    .map((e) => {
      const base = {
        kind: e.kind,
        id: e.id,
        file: e.file ?? null,
        state: e.state,
        error: errorOf(e) ?? null,
      };
      if (e.kind !== "plugin") return { ...base, details: e.details ?? null };
      return {
        ...base,
        tools: e.tools ?? [],
        routes: arr(e.routes).map((r) => {
          const x = r as Record<string, string>;
          return `${x.method} ${x.path}`;
        }),
        events: {
          // In the file (`.publish("x"`), declared (`static publishes`) and published since
          // boot (the event bus's view).
          publishes: [
            ...new Set([
              ...publishCalls(kernel, e),
              ...kernel.status.get("plugin", e.id)?.publishes ?? [],
              ...arr(e.publishes) as string[],
            ]),
          ],
          subscribes: arr(e.subscribes),
          responds: arr(e.responds),
        },
      };
    });
}

type Op = Record<string, unknown>;

/** Every live route with its plugin and its request and response schemas (from OpenAPI). */
export function listRoutes(kernel: Kernel, opts: { plugin?: string; path?: string } = {}) {
  const http = kernel.tools.get("http") as { openapi?: () => Record<string, unknown> } | undefined;
  const doc = http?.openapi?.() ?? {};
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Op>>;
  const out: Record<string, unknown>[] = [];
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const plugin = op["x-plugin"] as string | undefined;
      if (opts.plugin && plugin !== opts.plugin) continue;
      if (opts.path && !path.includes(opts.path)) continue;
      const params = arr(op.parameters) as Record<string, unknown>[];
      const body = (op.requestBody as Op | undefined)?.content as Record<string, Op> | undefined;
      const responses = (op.responses ?? {}) as Record<string, Op>;
      const ok = Object.entries(responses).find(([s]) => s.startsWith("2"));
      const okContent = ok?.[1].content as Record<string, Op> | undefined;
      out.push({
        method: method.toUpperCase(),
        path,
        plugin: plugin ?? null,
        summary: op.summary ?? null,
        auth: arr(op.security).length > 0,
        params: params.filter((p) => p.in === "path").map((p) => p.name),
        query: schemaOfParams(params.filter((p) => p.in === "query")),
        body: body ? Object.values(body)[0]?.schema ?? null : null,
        response: okContent ? Object.values(okContent)[0]?.schema ?? null : null,
      });
    }
  }
  return { routes: out, components: (doc.components as Op | undefined)?.schemas ?? {} };
}

function schemaOfParams(ps: Record<string, unknown>[]): unknown {
  if (!ps.length) return null;
  return Object.fromEntries(ps.map((p) => [p.name, { required: !!p.required, ...p.schema as Op }]));
}

/** Events: counts, publishers, subscribers, responders (the event bus's view), and declared. */
export function listEvents(kernel: Kernel) {
  const bus = kernel.tools.get("event_bus");
  const live = (bus?.describe?.() ?? {}) as Record<string, unknown>;
  const declared: Record<string, string[]> = {};
  for (const e of kernel.status.list()) {
    for (const name of new Set([...e.publishes ?? [], ...publishCalls(kernel, e)])) {
      (declared[name] ??= []).push(e.id);
    }
  }
  return {
    events: live.events ?? {},
    subscriptions: live.subscriptions ?? [],
    responders: live.responders ?? {},
    declaredPublishers: declared,
    driver: live.driver ?? null,
    note: bus
      ? "counts are since this process started; payload schemas are shown when the event bus reports them"
      : "no event_bus tool is loaded",
  };
}

/** The tools of this file. */
export function appTools({ kernel }: McpDeps): ToolDef[] {
  return [
    defineTool({
      name: "list_plugins",
      description:
        "What is loaded right now: each plugin's id, file, state (ready, failed, degraded…), " +
        "its error with file:line when it failed, the tools it uses, its routes and events. " +
        "Call it after writing a plugin to see whether it loaded.",
      input: {
        state: z.string().optional().describe("only entries in this state, e.g. failed"),
        include_tools: z.boolean().optional().describe("list the tools (db, http…) too"),
      },
      readOnly: true,
      run: (a) => ({ entries: listPlugins(kernel, { state: a.state, tools: a.include_tools }) }),
    }),
    defineTool({
      name: "list_routes",
      description:
        "Every live HTTP route: method, path, owning plugin, whether it needs a token, and its " +
        "request (params, query, body) and response JSON schemas.",
      input: {
        plugin: z.string().optional().describe("only this plugin's routes, e.g. users/create_user"),
        path: z.string().optional().describe("only paths containing this text"),
      },
      readOnly: true,
      run: (a) => listRoutes(kernel, a),
    }),
    defineTool({
      name: "list_events",
      description:
        "Events: per name the published/delivered/failed counts, publishers and subscribers; " +
        "live subscriptions and request responders; events plugins declare they publish.",
      input: {},
      readOnly: true,
      run: () => listEvents(kernel),
    }),
    defineTool({
      name: "get_context",
      description:
        "AI_CONTEXT.md: the map of the project (tools and their APIs, domains, plugins, routes, " +
        "events, conventions, tasks). Read it first. Also the resource microcore://context.",
      input: {},
      readOnly: true,
      run: () => readContext(kernel.root),
    }),
  ];
}
