/**
 * `deno task dev` as an assistant sees it over MCP (Streamable HTTP at /mcp): a plugin it wrote
 * fails and says where, it fixes it, calls the route, reads the row, the event and the logs.
 * Then clients nobody here wrote: the official MCP inspector CLI lists and calls the tools.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type App, copyProject, startApp, until } from "./harness.ts";

/** The dev log line once /mcp is mounted (after boot, beside the watcher). */
const MCP_READY = /mcp: http:\/\/\S+\/mcp/;

const PLUGIN = "domains/products/plugins/mcp_note.ts";

/** Line 13 throws while the plugin boots. */
const broken = `import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { Http } from "@tools/http/mod.ts";

export default class extends BasePlugin {
  constructor(private http: Http, private db: Db) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/mcp-notes", "POST", () => ({ success: true }));
    const table = "products";
    if (table) {
      throw new Error("mcp_note: not written yet");
    }
  }
}
`;

const fixed = `import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import type { Logger } from "@tools/logger/mod.ts";

export default class extends BasePlugin {
  constructor(private http: Http, private db: Db, private logger: Logger, private event_bus: EventBus) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/mcp-notes", "POST", async (data, ctx) => {
      const row = await this.db.queryOne<{ id: number }>(
        "INSERT INTO products (name, price) VALUES ($1, $2) RETURNING id",
        [String(data.name), 1],
      );
      this.logger.info("mcp note saved", { id: row!.id });
      this.event_bus.publish("mcp_note.saved", { id: row!.id });
      ctx.setStatus(201);
      return { success: true, data: { id: row!.id } };
    });
  }
}
`;

async function connect(app: App): Promise<Client> {
  const client = new Client({ name: "e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`)));
  return client;
}

/** Calls a tool, fails on an MCP error result, parses its JSON text. */
async function tool(c: Client, name: string, args: Record<string, unknown> = {}) {
  const r = await c.callTool({ name, arguments: args }) as {
    isError?: boolean;
    content: { text: string }[];
  };
  if (r.isError) throw new Error(r.content[0]?.text);
  return JSON.parse(r.content[0].text);
}

Deno.test("e2e mcp: write, fail at file:line, fix, call, read the row, the event and the logs", async () => {
  const dir = await copyProject();
  // The products domain declares the event the new plugin publishes (dev refuses undeclared ones).
  const contract = `${dir}/domains/products/events.ts`;
  await Deno.writeTextFile(
    contract,
    (await Deno.readTextFile(contract)).replace(
      "publishes: {",
      'publishes: {\n    "mcp_note.saved": z.object({ id: z.number().int() }),',
    ),
  );
  const app = await startApp("dev", dir);
  await app.waitForLine(MCP_READY, 20_000);
  let stopped = false;
  const c = await connect(app).catch(async (e) => {
    await app.stop();
    throw e;
  });
  try {
    await Deno.writeTextFile(`${dir}/${PLUGIN}`, broken);
    let failed: Record<string, unknown> | undefined;
    await until("mcp_note listed as failed", async () => {
      const { entries } = await tool(c, "list_plugins", { state: "failed" });
      failed = entries.find((e: { id: string }) => e.id === "products/mcp_note");
      return !!failed;
    }, 15_000);
    const error = failed!.error as { message: string; at: string };
    equal(error.message, "mcp_note: not written yet");
    match(error.at, /^domains\/products\/plugins\/mcp_note\.ts:13:\d+$/);

    await Deno.writeTextFile(`${dir}/${PLUGIN}`, fixed);
    await until("mcp_note ready", async () => {
      const { entries } = await tool(c, "list_plugins");
      return entries.some((e: { id: string; state: string }) =>
        e.id === "products/mcp_note" && e.state === "ready"
      );
    }, 15_000);
    const { routes } = await tool(c, "list_routes", { plugin: "products/mcp_note" });
    deepEqual(routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`), [
      "POST /mcp-notes",
    ]);

    const res = await tool(c, "call_endpoint", {
      method: "POST",
      path: "/mcp-notes",
      body: { name: "from an assistant" },
    });
    equal(res.status, 201);
    const id = res.body.data.id;
    deepEqual(
      res.eventsDuringCall.map((e: { name: string; payload: unknown }) => [e.name, e.payload]),
      [["mcp_note.saved", { id }]],
    );

    const rows = await tool(c, "query_db", {
      sql: "SELECT id, name FROM products WHERE id = $1",
      params: [id],
    });
    deepEqual(rows.rows, [{ id, name: "from an assistant" }]);
    const write = await c.callTool({
      name: "query_db",
      arguments: { sql: "DELETE FROM products" },
    }) as { isError?: boolean; content: { text: string }[] };
    equal(write.isError, true);
    match(write.content[0].text, /readonly/);

    const logs = await tool(c, "get_logs", { owner: "products/mcp_note" });
    deepEqual(logs.records.map((r: { message: string }) => r.message), ["mcp note saved"]);
    const trace = await tool(c, "get_traces", { request_id: res.requestId });
    equal(trace.call.status, 201);
    deepEqual(trace.events.map((e: { name: string }) => e.name), ["mcp_note.saved"]);
    // scaffold writes through deno task new; the new plugin goes live, answers, and its test passes.
    const made = await tool(c, "scaffold", {
      kind: "plugin",
      name: "products/mcp_hello",
      route: "GET /mcp-hello",
    });
    deepEqual(made.written, [
      "domains/products/plugins/mcp_hello.ts",
      "domains/products/plugins/mcp_hello_test.ts",
    ]);
    await until("mcp_hello ready", async () => {
      const { entries } = await tool(c, "list_plugins");
      return entries.some((e: { id: string; state: string }) =>
        e.id === "products/mcp_hello" && e.state === "ready"
      );
    }, 15_000);
    equal((await tool(c, "call_endpoint", { method: "GET", path: "/mcp-hello" })).status, 200);
    const tests = await tool(c, "run_tests", { target: "products/mcp_hello" });
    equal(tests.ok, true, tests.output);
    equal(tests.failed, 0);
    ok(tests.passed >= 1);
    // Every tool call is in the app's log.
    await app.waitForLine(/mcp: get_traces .* ok in \d+ ms/, 5000);
    // Ctrl-C with the assistant still connected (its session and stream open) stops cleanly.
    const t0 = performance.now();
    equal(await app.stop(), 0);
    stopped = true;
    const ms = performance.now() - t0;
    ok(ms < 5000, `stopping took ${Math.round(ms)} ms`);
    await app.waitForLine(/stopped cleanly/, 1000);
  } finally {
    await c.close().catch(() => {});
    if (!stopped) await app.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Whether `npx` runs here (the inspector test needs it and the npm registry). */
async function hasNpx(): Promise<boolean> {
  try {
    return (await new Deno.Command("npx", { args: ["--version"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "e2e mcp: the official inspector CLI (1.0.3) lists and calls the tools over /mcp",
  ignore: !(await hasNpx()),
  async fn() {
    const dir = await copyProject();
    const app = await startApp("dev", dir);
    await app.waitForLine(MCP_READY, 20_000);
    // inspector-cli 1.0.3 reads its package.json through a path relative to the working
    // directory (../package.json): run it from a folder whose parent has one.
    const tmp = await Deno.makeTempDir({ prefix: "mcp-inspector-" });
    await Deno.writeTextFile(`${tmp}/package.json`, '{"name":"@e2e/inspector","version":"1.0.0"}');
    await Deno.mkdir(`${tmp}/cwd`);
    const inspector = async (...args: string[]) => {
      const out = await new Deno.Command("npx", {
        args: [
          "-y",
          "@modelcontextprotocol/inspector-cli@1.0.3",
          "--cli",
          `${app.url}/mcp`,
          "--transport",
          "http",
          ...args,
        ],
        cwd: `${tmp}/cwd`,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      ok(out.success, new TextDecoder().decode(out.stderr) + text);
      return JSON.parse(text.slice(text.indexOf("{")));
    };
    try {
      const list = await inspector("--method", "tools/list");
      const names = list.tools.map((t: { name: string }) => t.name);
      ok(names.includes("list_plugins") && names.includes("query_db"), names.join());
      equal(names.length, 13);
      const call = await inspector(
        "--method",
        "tools/call",
        "--tool-name",
        "query_db",
        "--tool-arg",
        "sql=SELECT 40 + 2 AS answer",
      );
      deepEqual(JSON.parse(call.content[0].text).rows, [{ answer: 42 }]);
      const plugins = await inspector("--method", "tools/call", "--tool-name", "list_plugins");
      ok(
        JSON.parse(plugins.content[0].text).entries.some((e: { id: string }) =>
          e.id === "products/create_product"
        ),
      );
    } finally {
      await app.stop();
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
