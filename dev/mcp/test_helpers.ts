/**
 * Test helpers: the project booted in test mode (SQLite in a temp file, so that `query_db` can
 * open it a second time) and an MCP client connected in memory.
 * @module
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Kernel, type LogSink, projectRoot } from "@core";
import { Recorder } from "./recorder.ts";
import { createMcpServer, type McpDeps } from "./server.ts";

/** A connected client and what it talks to; dispose to shut everything down. */
export interface McpFixture extends AsyncDisposable {
  client: Client;
  kernel: Kernel;
  recorder: Recorder;
  /** The log lines the server wrote (level and message). */
  logged: string[];
  /** Calls a tool and parses its JSON text (throws on isError, with the text). */
  call(name: string, args?: Record<string, unknown>): Promise<unknown>;
  /** Calls a tool that should fail; returns its error text. */
  fail(name: string, args?: Record<string, unknown>): Promise<string>;
}

/** Boots the project (test mode) and connects an MCP client to a server over it. */
export async function mcpFixture(over: Partial<McpDeps> = {}): Promise<McpFixture> {
  const dir = await Deno.makeTempDir({ prefix: "microcore-mcp-" });
  const env = (k: string) => k === "DB_PATH" ? `${dir}/app.db` : Deno.env.get(k);
  const logged: string[] = [];
  const log: LogSink = {
    debug: () => {},
    info: (m) => logged.push(`info ${m}`),
    warn: (m) => logged.push(`warn ${m}`),
    error: (m) => logged.push(`error ${m}`),
  };
  const kernel = new Kernel({ root: projectRoot, mode: "test", env, log: { ...log, info() {} } });
  await kernel.boot();
  const recorder = new Recorder(200);
  recorder.tapEvents(kernel);
  const server = createMcpServer({ kernel, recorder, log, env, ...over });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "test", version: "1.0.0" });
  await Promise.all([server.connect(a), client.connect(b)]);
  const text = (r: unknown) =>
    ((r as { content: { text: string }[] }).content[0]?.text ?? "") as string;
  return {
    client,
    kernel,
    recorder,
    logged,
    async call(name, args = {}) {
      const r = await client.callTool({ name, arguments: args });
      if (r.isError) throw new Error(text(r));
      const t = text(r);
      try {
        return JSON.parse(t);
      } catch {
        return t;
      }
    },
    async fail(name, args = {}) {
      const r = await client.callTool({ name, arguments: args });
      if (!r.isError) throw new Error(`${name} succeeded: ${text(r).slice(0, 300)}`);
      return text(r);
    },
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
      await kernel.shutdown(2000);
      await Deno.remove(dir, { recursive: true });
    },
  };
}
