/**
 * The MCP server of the running app: one {@link McpServer} per session, with every tool of
 * `tools_*.ts` and the AI_CONTEXT.md resource. Each tool call is logged (`mcp` owner): its name,
 * its arguments (shortened), how long it took and whether it failed.
 * @module
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Kernel, LogSink } from "@core";
import type { z } from "zod";
import type { Recorder } from "./recorder.ts";
import { appTools } from "./tools_app.ts";
import { callTools } from "./tools_call.ts";
import { dbTools } from "./tools_db.ts";
import { observeTools } from "./tools_observe.ts";
import { projectTools } from "./tools_project.ts";

/** The version the server reports in `initialize`. */
export const MCP_SERVER_VERSION = "1.0.0";

/** What the tools work on. */
export interface McpDeps {
  kernel: Kernel;
  recorder: Recorder;
  /** Where tool calls are logged (default: the kernel's log). */
  log?: LogSink;
  /** Settings (default `Deno.env.get`): DATABASE_URL, DB_SCHEMA, DB_PATH… for `query_db`. */
  env?: (key: string) => string | undefined;
  /** Runs `deno` with `args` in the project (tests replace it). */
  runDeno?: (args: string[]) => Promise<{ code: number; out: string }>;
}

/** One tool: a name, a description written for a model, an input schema and what it does. */
export interface ToolDef<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  description: string;
  input: S;
  /** Tools that change something (call, publish, scaffold…) say so to the client. */
  readOnly?: boolean;
  run(args: z.infer<z.ZodObject<S>>): Promise<unknown> | unknown;
}

/** Declares a tool with its input types inferred from `input`. */
export function defineTool<S extends z.ZodRawShape>(def: ToolDef<S>): ToolDef {
  return def as unknown as ToolDef;
}

/** Every tool, in the order `tools/list` gives them. */
export function allTools(deps: McpDeps): ToolDef[] {
  return [
    ...appTools(deps),
    ...callTools(deps),
    ...dbTools(deps),
    ...observeTools(deps),
    ...projectTools(deps),
  ];
}

/**
 * Keys whose values are credentials, never written to the log (any case, any depth): the
 * `authorization`, `cookie` and `set-cookie` headers, `password`, `secret`, and any key containing
 * `token`.
 */
const CREDENTIAL = /^(authorization|cookie|set-cookie|password|secret)$|token/i;

/** Shortened JSON of a tool's arguments, for the log line; credentials are written `***`. */
export function brief(args: unknown): string {
  const s = JSON.stringify(args, (k, v) => k !== "" && CREDENTIAL.test(k) ? "***" : v) ?? "";
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** The result of a tool as MCP content: pretty JSON (or the text itself). */
export function asContent(value: unknown, isError = false): CallToolResult {
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return { content: [{ type: "text", text }], ...(isError ? { isError: true } : {}) };
}

/** A server with every tool and the `microcore://context` resource, ready to connect. */
export function createMcpServer(deps: McpDeps): McpServer {
  const server = new McpServer(
    { name: "microcore", version: MCP_SERVER_VERSION },
    {
      instructions:
        "Tools over the running MicroCoreOS app (deno task dev): list_plugins shows what is " +
        "loaded and what failed (file:line); call_endpoint calls a route; query_db reads rows; " +
        "get_logs and get_traces show what happened. get_context is the project map.",
    },
  );
  const log = deps.log ?? deps.kernel.log;
  for (const t of allTools(deps)) {
    server.registerTool(t.name, {
      description: t.description,
      inputSchema: t.input,
      annotations: { readOnlyHint: t.readOnly ?? false, openWorldHint: false },
    }, async (args: unknown): Promise<CallToolResult> => {
      const t0 = performance.now();
      try {
        const out = await t.run(args as never);
        const ms = Math.round(performance.now() - t0);
        log.info(`mcp: ${t.name} ${brief(args)} ok in ${ms} ms`, { tool: t.name, ms });
        return asContent(out);
      } catch (e) {
        const ms = Math.round(performance.now() - t0);
        const msg = e instanceof Error ? e.message : String(e);
        log.warn(`mcp: ${t.name} ${brief(args)} failed in ${ms} ms: ${msg}`, { tool: t.name, ms });
        return asContent(`${t.name} failed: ${msg}`, true);
      }
    });
  }
  server.registerResource("context", "microcore://context", {
    title: "AI_CONTEXT.md",
    description: "The project map: tools, domains, plugins, routes, events, tasks.",
    mimeType: "text/markdown",
  }, async (uri: URL) => ({
    contents: [{
      uri: uri.href,
      mimeType: "text/markdown",
      text: await readContext(deps.kernel.root),
    }],
  }));
  return server;
}

/** AI_CONTEXT.md of the project, or a sentence saying how to make it. */
export async function readContext(root: string): Promise<string> {
  try {
    return await Deno.readTextFile(`${root}/AI_CONTEXT.md`);
  } catch {
    return "AI_CONTEXT.md does not exist yet: deno task context writes it (deno task dev keeps it current).";
  }
}
