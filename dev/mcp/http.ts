/**
 * `/mcp` on the app's own HTTP server (Streamable HTTP, MCP 2025-06-18 and later), mounted by
 * `deno task dev`. The route belongs to the owner `dev/mcp`, registered through the http tool's
 * per-owner API like a plugin's route, so no tool code changes and `main.ts` (start) never loads
 * it. Each client session gets its own {@link createMcpServer}.
 *
 * Safety: dev only; requests from a non-loopback address, or whose `Host` or `Origin` is not
 * loopback (a web page cannot reach it through DNS rebinding), are refused unless `MCP_TOKEN` is
 * set, and then every request needs `Authorization: Bearer <MCP_TOKEN>` (compared in constant
 * time; a token under 32 characters is refused at mount).
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Kernel } from "@core";
import { Recorder } from "./recorder.ts";
export { MCP_ENV } from "./settings.ts";
import { createMcpServer, type McpDeps } from "./server.ts";

/** The path the MCP server answers on. */
export const MCP_PATH = "/mcp";
/** Most sessions kept; the oldest is closed beyond. */
const MAX_SESSIONS = 64;

/** A mounted MCP endpoint. */
export interface McpMount {
  /** What `get_logs` and `get_traces` read. */
  recorder: Recorder;
  /** Open sessions. */
  readonly sessions: number;
  /** Handles one request (what the route runs); `remote` is the client's IP address. */
  handle(req: Request, remote?: string): Promise<Response>;
  /** Closes every session (their streams end). */
  close(): Promise<void>;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

function rpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

const LOOPBACK_IP = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/i;

/**
 * Why `req` may not use the MCP server, or undefined. `remote` is the client's address as the
 * listener saw it (undefined in-process).
 */
export function refusal(
  req: Request,
  token: string | undefined,
  remote?: string,
): Response | undefined {
  if (token) {
    if (!sameSecret(req.headers.get("authorization") ?? "", `Bearer ${token}`)) {
      return rpcError(401, -32001, "MCP_TOKEN is set: send Authorization: Bearer <MCP_TOKEN>");
    }
    return undefined;
  }
  const host = req.headers.get("host") ?? new URL(req.url).host;
  const origin = req.headers.get("origin");
  const originHost = origin ? (URL.parse(origin)?.host ?? "-") : undefined;
  const far = remote !== undefined && !LOOPBACK_IP.test(remote);
  if (far || !LOOPBACK.test(host) || (originHost !== undefined && !LOOPBACK.test(originHost))) {
    return rpcError(
      403,
      -32001,
      "/mcp answers loopback clients only (localhost, 127.0.0.1, [::1]); set MCP_TOKEN to " +
        "allow others with a bearer token",
    );
  }
}

/** Equality of two secrets in time that depends on neither (both hashed to 32 bytes first). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The shortest `MCP_TOKEN` accepted (e.g. `openssl rand -hex 32` gives 64 characters). */
export const MIN_MCP_TOKEN_LENGTH = 32;

/**
 * The configured `MCP_TOKEN`: undefined when unset or empty, else the token, or a throw that
 * says what to do when it is too short to be a secret.
 */
export function mcpToken(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.length < MIN_MCP_TOKEN_LENGTH) {
    throw new Error(
      `MCP_TOKEN is ${value.length} characters; use at least ${MIN_MCP_TOKEN_LENGTH} random ` +
        "ones (e.g. `openssl rand -hex 32`), or unset it to allow loopback clients only",
    );
  }
  return value;
}

/** The MCP endpoint's request handler and sessions, without a route (tests use it directly). */
export function mcpHandler(deps: McpDeps, token?: string): McpMount {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const open = async (): Promise<WebStandardStreamableHTTPServerTransport> => {
    const transport: WebStandardStreamableHTTPServerTransport =
      new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id: string) => {
          sessions.set(id, transport);
          if (sessions.size > MAX_SESSIONS) {
            const [oldest] = sessions.keys();
            sessions.get(oldest)?.close();
            sessions.delete(oldest);
          }
        },
        onsessionclosed: (id: string) => void sessions.delete(id),
      });
    await createMcpServer(deps).connect(transport);
    return transport;
  };
  return {
    recorder: deps.recorder,
    get sessions() {
      return sessions.size;
    },
    async handle(req, remote) {
      const refused = refusal(req, token, remote);
      if (refused) return refused;
      const sid = req.headers.get("mcp-session-id");
      if (sid) {
        const t = sessions.get(sid);
        if (!t) return rpcError(404, -32001, "Session not found: initialize a new session");
        return await t.handleRequest(req);
      }
      if (req.method !== "POST") {
        return rpcError(400, -32000, "Bad Request: no mcp-session-id; POST initialize first");
      }
      const t = await open();
      const res = await t.handleRequest(req);
      // Not an initialize: the transport answered an error and keeps no session.
      if (!t.sessionId) await t.close();
      return res;
    },
    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(all.map((t) => t.close()));
    },
  };
}

/** The owner of the `/mcp` routes. */
export const MCP_ROUTE_OWNER = { id: "dev/mcp", generation: 1, file: "dev/mcp/http.ts" };

interface HttpLike {
  forOwner(o: typeof MCP_ROUTE_OWNER): {
    addEndpoint(
      path: string,
      method: string,
      h: (d: unknown, ctx: { request: Request; remoteAddr?: Deno.NetAddr }) => Promise<Response>,
      o: Record<string, unknown>,
    ): void;
  };
  activate(o: typeof MCP_ROUTE_OWNER): void;
}

/**
 * Serves MCP at `/mcp` on the app's http tool (dev mode), recording logs and events for the
 * tools. Returns undefined when `MCP=off` or there is no http tool.
 */
export async function mountMcp(
  kernel: Kernel,
  env: (k: string) => string | undefined = (k) => Deno.env.get(k),
): Promise<McpMount | undefined> {
  if (env("MCP")?.toLowerCase() === "off") return undefined;
  if (kernel.mode === "start") {
    throw new Error("the MCP server is dev-time machinery: it is not served by deno task start");
  }
  const token = mcpToken(env("MCP_TOKEN"));
  const http = kernel.tools.get("http") as unknown as HttpLike | undefined;
  if (!http?.forOwner) return undefined;
  const recorder = new Recorder();
  await recorder.tapLogs();
  recorder.tapEvents(kernel);
  const mount = mcpHandler({ kernel, recorder, env }, token);
  const api = http.forOwner(MCP_ROUTE_OWNER);
  for (const method of ["POST", "GET", "DELETE"]) {
    api.addEndpoint(
      MCP_PATH,
      method,
      (_d, ctx) => mount.handle(ctx.request, ctx.remoteAddr?.hostname),
      {
        rawBody: true,
        tags: ["dev"],
        summary: "MCP server (Streamable HTTP), dev only: see docs/mcp.md",
      },
    );
  }
  http.activate(MCP_ROUTE_OWNER);
  return mount;
}
