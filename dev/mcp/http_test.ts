import { deepEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Kernel, projectRoot } from "@core";
import { setRemoteAddr } from "@tools/http/mod.ts";
import { mcpHandler, type McpMount, mcpToken, mountMcp, refusal } from "./http.ts";
import { Recorder } from "./recorder.ts";

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "t", version: "1" },
  },
};

function post(body: unknown, headers: Record<string, string> = {}, host = "127.0.0.1:8000") {
  return new Request(`http://${host}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      host,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function withMount(token: string | undefined, fn: (m: McpMount) => Promise<void>) {
  const kernel = new Kernel({ root: projectRoot, mode: "test" });
  await kernel.boot();
  const m = mcpHandler({ kernel, recorder: new Recorder(10), log: kernel.log }, token);
  try {
    await fn(m);
  } finally {
    await m.close();
    await kernel.shutdown(2000);
  }
}

Deno.test("refusal: loopback hosts and origins pass, others are 403 without MCP_TOKEN", async () => {
  for (const host of ["127.0.0.1:8000", "localhost:3000", "[::1]:8000", "localhost"]) {
    equal(refusal(post({}, {}, host), undefined), undefined, host);
  }
  for (const host of ["192.168.1.5:8000", "evil.example:8000"]) {
    const r = refusal(post({}, {}, host), undefined)!;
    equal(r.status, 403, host);
    match((await r.json()).error.message, /loopback clients only/);
  }
  // A client on the network is refused whatever Host it sends; loopback addresses pass.
  equal(refusal(post({}), undefined, "192.168.1.7")?.status, 403);
  for (const ip of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) {
    equal(refusal(post({}), undefined, ip), undefined, ip);
  }
  // A web page on another origin (DNS rebinding) is refused even on a loopback host.
  equal(refusal(post({}, { origin: "http://evil.example" }), undefined)?.status, 403);
  equal(refusal(post({}, { origin: "http://localhost:5173" }), undefined), undefined);
});

const TOKEN = "0123456789abcdef0123456789abcdef";

Deno.test("refusal: with MCP_TOKEN, the bearer token is required and any host may use it", async () => {
  const none = refusal(post({}), TOKEN)!;
  equal(none.status, 401);
  match((await none.json()).error.message, /Authorization: Bearer <MCP_TOKEN>/);
  for (const bad of ["Bearer wrong", `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, TOKEN, ""]) {
    equal(refusal(post({}, { authorization: bad }), TOKEN)?.status, 401, bad);
  }
  equal(
    refusal(post({}, { authorization: `Bearer ${TOKEN}` }, "10.0.0.2:8000"), TOKEN),
    undefined,
  );
});

Deno.test("mcpToken: unset is undefined, under 32 characters is refused with what to do", () => {
  equal(mcpToken(undefined), undefined);
  equal(mcpToken(""), undefined);
  equal(mcpToken(TOKEN), TOKEN);
  throws(
    () => mcpToken(TOKEN.slice(1)),
    /MCP_TOKEN is 31 characters; use at least 32 .*openssl rand -hex 32/,
  );
});

Deno.test("mcpHandler: initialize opens a session; unknown session 404; GET without one 400", async () => {
  await withMount(undefined, async (m) => {
    const res = await m.handle(post(INIT));
    equal(res.status, 200);
    const sid = res.headers.get("mcp-session-id");
    ok(sid);
    await res.body?.cancel();
    equal(m.sessions, 1);
    const lost = await m.handle(post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, {
      "mcp-session-id": "nope",
    }));
    equal(lost.status, 404);
    const get = await m.handle(new Request("http://127.0.0.1/mcp", { method: "GET" }));
    equal(get.status, 400);
    // A first request that is not an initialize keeps no session.
    const stray = await m.handle(post({ jsonrpc: "2.0", id: 3, method: "tools/list" }));
    equal(stray.status, 400);
    await stray.body?.cancel();
    equal(m.sessions, 1);
    await m.close();
    equal(m.sessions, 0);
  });
});

Deno.test("deno task mcp (stdio): relays a client's calls to the dev server's /mcp", async () => {
  await withMount(undefined, async (m) => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (r) => m.handle(r),
    );
    const url = `http://127.0.0.1:${server.addr.port}/mcp`;
    const client = new Client({ name: "stdio-test", version: "1" });
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-P=mcp", "dev/mcp/stdio.ts"],
      cwd: projectRoot,
      env: { MCP_URL: url, NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "" },
      stderr: "pipe",
    });
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      ok(tools.some((t: { name: string }) => t.name === "query_db"));
      const r = await client.callTool({ name: "list_events", arguments: {} }) as {
        content: { text: string }[];
      };
      deepEqual(Object.keys(JSON.parse(r.content[0].text)).slice(0, 2), [
        "events",
        "subscriptions",
      ]);
      equal(m.sessions, 1);
    } finally {
      await client.close();
      await server.shutdown();
    }
  });
});

Deno.test("mountMcp: never in start mode; MCP=off serves nothing; mounted, /mcp is live", async () => {
  const start = new Kernel({ root: projectRoot, mode: "start" });
  await rejects(mountMcp(start, () => undefined), /not served by deno task start/);
  const kernel = new Kernel({ root: projectRoot, mode: "test" });
  await kernel.boot();
  try {
    equal(await mountMcp(kernel, (k) => k === "MCP" ? "off" : undefined), undefined);
    await rejects(
      mountMcp(kernel, (k) => k === "MCP_TOKEN" ? "short" : undefined),
      /MCP_TOKEN is 5 characters/,
    );
    const http = kernel.tools.get("http") as unknown as { fetch(r: Request): Promise<Response> };
    equal((await http.fetch(post(INIT))).status, 404);
    const m = (await mountMcp(kernel, () => undefined))!;
    // Through the route: the listener's client address counts (a network client is refused).
    const far = setRemoteAddr(post(INIT), { transport: "tcp", hostname: "192.168.1.7", port: 1 });
    equal((await http.fetch(far)).status, 403);
    equal(m.sessions, 0);
    const res = await http.fetch(post(INIT));
    equal(res.status, 200);
    ok(res.headers.get("mcp-session-id"));
    await res.body?.cancel();
    await m.close();
  } finally {
    await kernel.shutdown(2000);
  }
});
