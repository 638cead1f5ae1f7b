/**
 * `deno task mcp`: the MCP server over stdio, for assistants that start their tools as a process
 * (Claude Desktop, Cursor…). It relays to the `/mcp` endpoint of the running `deno task dev`
 * (MCP_URL, default `http://127.0.0.1:$PORT/mcp`, PORT default 8000) and starts one in this
 * project when none answers (its output goes to stderr; it stops with this process).
 * stdout carries MCP messages only.
 * @module
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { projectRoot } from "@core";
import { denoBinary } from "../supervisor.ts";

/** The dev server's MCP endpoint from the settings. */
export function mcpUrl(env: (k: string) => string | undefined): string {
  return env("MCP_URL") ?? `http://127.0.0.1:${env("PORT") || "8000"}/mcp`;
}

/** True when `url` answers as an MCP endpoint (a GET without session is a JSON-RPC 400). */
export async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { headers: { accept: "application/json, text/event-stream" } });
    await res.body?.cancel();
    return res.status === 400 || res.status === 401 || res.status === 405;
  } catch {
    return false;
  }
}

/** Relays every message of `a` to `b` and back; closing one closes the other. */
export async function relay(a: Transport, b: Transport): Promise<void> {
  const fail = (e: unknown) => log(`relay: ${e instanceof Error ? e.message : e}`);
  a.onmessage = (m: JSONRPCMessage) => void b.send(m).catch(fail);
  b.onmessage = (m: JSONRPCMessage) => void a.send(m).catch(fail);
  a.onclose = () => void b.close();
  b.onclose = () => void a.close();
  a.onerror = (e: Error) => log(`stdio: ${e.message}`);
  b.onerror = (e: Error) => log(`http: ${e.message}`);
  await b.start();
  await a.start();
}

function log(msg: string): void {
  console.error(`[mcp] ${msg}`);
}

/** Starts `deno task dev` in the project (output to stderr) and waits until `url` answers. */
async function startDev(url: string): Promise<Deno.ChildProcess> {
  const port = new URL(url).port || "80";
  log(`no dev server at ${url}: starting deno task dev on port ${port}`);
  const child = new Deno.Command(denoBinary(), {
    args: ["task", "dev"],
    cwd: projectRoot,
    env: { PORT: port, HOST: "127.0.0.1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // The app's log must not reach stdout, which carries MCP messages.
  child.stdout.pipeTo(Deno.stderr.writable, { preventClose: true }).catch(() => {});
  child.stderr.pipeTo(Deno.stderr.writable, { preventClose: true }).catch(() => {});
  const t0 = Date.now();
  while (!(await answers(url))) {
    if (Date.now() - t0 > 60_000) throw new Error(`deno task dev did not serve ${url} in 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return child;
}

if (import.meta.main) {
  const env = (k: string) => Deno.env.get(k);
  const url = mcpUrl(env);
  const child = (await answers(url)) ? undefined : await startDev(url);
  const token = env("MCP_TOKEN");
  const http = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
  });
  const stdio = new StdioServerTransport();
  const stop = () => {
    try {
      child?.kill("SIGTERM");
    } catch { /* already gone */ }
    setTimeout(() => Deno.exit(0), child ? 3000 : 0);
  };
  stdio.onclose = stop;
  await relay(stdio, http);
  const prevClose = stdio.onclose;
  stdio.onclose = () => {
    prevClose?.();
    stop();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  log(`relaying stdio to ${url}`);
}
