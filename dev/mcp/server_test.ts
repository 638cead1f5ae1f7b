import { deepEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import { mcpFixture } from "./test_helpers.ts";
import { brief } from "./server.ts";

const assertStringIncludes = (s: string, part: string) => assert(s.includes(part), s);

const NAMES = [
  "list_plugins",
  "list_routes",
  "list_events",
  "get_context",
  "call_endpoint",
  "publish_event",
  "request_event",
  "query_db",
  "describe_schema",
  "get_logs",
  "get_traces",
  "scaffold",
  "run_tests",
];

Deno.test("mcp server: every tool listed with a description and an object input schema", async () => {
  await using f = await mcpFixture();
  const { tools } = await f.client.listTools();
  assertEquals(tools.map((t: { name: string }) => t.name), NAMES);
  for (
    const t of tools as { name: string; description?: string; inputSchema: { type: string } }[]
  ) {
    assert((t.description ?? "").length > 40, `${t.name} has a short description`);
    assertEquals(t.inputSchema.type, "object");
  }
  const res = await f.client.listResources();
  assertEquals(res.resources.map((r: { uri: string }) => r.uri), ["microcore://context"]);
});

Deno.test("list_plugins: ids, files, states and routes; state filter; tools on request", async () => {
  await using f = await mcpFixture();
  const { entries } = await f.call("list_plugins") as { entries: Record<string, unknown>[] };
  const create = entries.find((e) => e.id === "products/create_product")!;
  assertEquals(create.file, "domains/products/plugins/create_product.ts");
  assertEquals(create.state, "ready");
  assertEquals(create.error, null);
  assertEquals(create.routes, ["POST /products"]);
  assertEquals(create.events, { publishes: ["product.created"], subscribes: [], responds: [] });
  assert(entries.every((e) => e.kind === "plugin"));
  const failed = await f.call("list_plugins", { state: "failed" }) as { entries: unknown[] };
  assertEquals(failed.entries, []);
  const all = await f.call("list_plugins", { include_tools: true }) as {
    entries: { kind: string; id: string }[];
  };
  assert(all.entries.some((e) => e.kind === "tool" && e.id === "db"));
});

Deno.test("list_routes: plugin, auth and body schema of a route; filters", async () => {
  await using f = await mcpFixture();
  const { routes } = await f.call("list_routes", { plugin: "products/create_product" }) as {
    routes: Record<string, unknown>[];
  };
  assertEquals(routes.length, 1);
  assertEquals(routes[0].method, "POST");
  assertEquals(routes[0].path, "/products");
  assertEquals(routes[0].auth, false);
  assertEquals((routes[0].body as { required: string[] }).required, ["name", "price"]);
  const none = await f.call("list_routes", { path: "/nothing-here" }) as { routes: unknown[] };
  assertEquals(none.routes, []);
});

Deno.test("call_endpoint → query_db → get_traces: the row and the event of one call", async () => {
  await using f = await mcpFixture();
  const out = await f.call("call_endpoint", {
    method: "POST",
    path: "/products",
    body: { name: "mcp lamp", price: 12.5 },
  }) as { status: number; body: { data: { id: number } }; requestId: string };
  assertEquals(out.status, 201);
  const id = out.body.data.id;
  const rows = await f.call("query_db", {
    sql: "SELECT name, price FROM products WHERE id = $1",
    params: [id],
  }) as { rows: unknown[]; truncated: boolean };
  assertEquals(rows.rows, [{ name: "mcp lamp", price: 12.5 }]);
  assertEquals(rows.truncated, false);
  const trace = await f.call("get_traces", { request_id: out.requestId }) as {
    call: { status: number };
    events: { name: string; payload: { id: number } }[];
  };
  assertEquals(trace.call.status, 201);
  assertEquals(trace.events.map((e) => [e.name, e.payload.id]), [["product.created", id]]);
  // A validation failure: the app's own 400, nothing inserted.
  const bad = await f.call("call_endpoint", { method: "POST", path: "/products", body: {} }) as {
    status: number;
    requestId: string;
  };
  assertEquals(bad.status, 400);
  assertMatch(bad.requestId, /\S/);
  const count = await f.call("query_db", { sql: "SELECT count(*) AS n FROM products" }) as {
    rows: { n: number }[];
  };
  assertEquals(count.rows, [{ n: 1 }]);
});

Deno.test("call_endpoint: a protected route is 401 without a token, passes with as_user", async () => {
  await using f = await mcpFixture();
  const { routes } = await f.call("list_routes") as {
    routes: { auth: boolean; method: string; path: string }[];
  };
  const guarded = routes.find((r) => r.auth && r.method === "GET" && !r.path.includes("{"));
  assert(guarded, "the example app has a protected GET route");
  const anon = await f.call("call_endpoint", { method: "GET", path: guarded.path }) as {
    status: number;
  };
  assertEquals(anon.status, 401);
  const user = await f.call("call_endpoint", {
    method: "GET",
    path: guarded.path,
    as_user: { sub: "1", roles: ["admin"] },
  }) as { status: number };
  assert(user.status !== 401 && user.status !== 403, `got ${user.status}`);
});

Deno.test("query_db: writes fail on the read-only connection, and nothing changed", async () => {
  await using f = await mcpFixture();
  await f.call("call_endpoint", {
    method: "POST",
    path: "/products",
    body: { name: "a", price: 1 },
  });
  for (
    const sql of [
      "DELETE FROM products",
      "INSERT INTO products (name, price) VALUES ('x', 1)",
      "DROP TABLE products",
    ]
  ) {
    const err = await f.fail("query_db", { sql });
    assertStringIncludes(err, "query_db failed:");
    assertMatch(err, /readonly|read-only|query_only/i);
  }
  const n = await f.call("query_db", { sql: "SELECT count(*) AS n FROM products" }) as {
    rows: { n: number }[];
  };
  assertEquals(n.rows, [{ n: 1 }]);
});

Deno.test("query_db: at most `limit` rows, truncated says there were more", async () => {
  await using f = await mcpFixture();
  const r = await f.call("query_db", {
    sql:
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n",
    limit: 3,
  }) as { rows: unknown[]; rowCount: number; truncated: boolean };
  assertEquals(r.rows, [{ i: 1 }, { i: 2 }, { i: 3 }]);
  assertEquals(r.truncated, true);
  const all = await f.call("query_db", { sql: "SELECT 1 AS one", limit: 3 }) as {
    truncated: boolean;
  };
  assertEquals(all.truncated, false);
});

Deno.test("describe_schema: the products table and its columns", async () => {
  await using f = await mcpFixture();
  const s = await f.call("describe_schema", { table: "products" }) as {
    engine: string;
    tables: { name: string; columns: { name: string }[] }[];
  };
  assertEquals(s.engine, "sqlite");
  assertEquals(s.tables.map((t) => t.name), ["products"]);
  assert(s.tables[0].columns.some((c) => c.name === "price"));
});

Deno.test("publish_event reaches subscribers; request_event without responder fails clearly", async () => {
  await using f = await mcpFixture();
  const p = await f.call("publish_event", { name: "mcp.test.ping", payload: { n: 1 } }) as {
    id: string;
    events: { name: string; source: string; payload: unknown }[];
  };
  assertMatch(p.id, /-/);
  assertEquals(p.events.map((e) => [e.name, e.source, e.payload]), [
    ["mcp.test.ping", "dev/mcp", { n: 1 }],
  ]);
  const err = await f.fail("request_event", { name: "mcp.nobody.answers" });
  assertStringIncludes(err, "request_event failed:");
  assertStringIncludes(err, `no plugin responds to "mcp.nobody.answers"`);
});

Deno.test("get_logs: level, owner and text filters over recorded records", async () => {
  await using f = await mcpFixture();
  const push = (level: string, owner: string, message: string) =>
    f.recorder.logs.push({ time: "t", level, owner, message });
  push("info", "users/login", "login ok");
  push("error", "products/create_product", "boom");
  push("debug", "http", "GET / 200");
  const errs = await f.call("get_logs", { level: "warn" }) as { records: { message: string }[] };
  assertEquals(errs.records.map((r) => r.message), ["boom"]);
  const mine = await f.call("get_logs", { owner: "users" }) as { records: { message: string }[] };
  assertEquals(mine.records.map((r) => r.message), ["login ok"]);
  const text = await f.call("get_logs", { contains: "GET" }) as { records: { owner: string }[] };
  assertEquals(text.records.map((r) => r.owner), ["http"]);
});

Deno.test("get_context: the tool and the resource give AI_CONTEXT.md", async () => {
  await using f = await mcpFixture();
  const text = await f.call("get_context") as string;
  const file = await Deno.readTextFile(`${f.kernel.root}/AI_CONTEXT.md`);
  assertEquals(text, file);
  const r = await f.client.readResource({ uri: "microcore://context" });
  assertEquals((r.contents[0] as { text: string }).text, file);
});

Deno.test("scaffold: dry_run plans the files and writes nothing", async () => {
  await using f = await mcpFixture();
  const r = await f.call("scaffold", {
    kind: "plugin",
    name: "mcp_probe/hello",
    route: "GET /hello",
    dry_run: true,
  }) as { files: { path: string }[] };
  assertEquals(r.files.map((x) => x.path), [
    "domains/mcp_probe/plugins/hello.ts",
    "domains/mcp_probe/plugins/hello_test.ts",
  ]);
  assertEquals(await Deno.stat(`${f.kernel.root}/domains/mcp_probe`).catch(() => null), null);
  const err = await f.fail("scaffold", { kind: "plugin", name: "Bad Name" });
  assertStringIncludes(err, "domain>/<name>");
});

Deno.test("scaffold: writes through deno task new (its own permissions) and reports the files", async () => {
  const seen: string[][] = [];
  await using f = await mcpFixture({
    runDeno: (args) => {
      seen.push(args);
      return Promise.resolve({
        code: 0,
        out: "wrote domains/shop/plugins/hello.ts\nwrote domains/shop/plugins/hello_test.ts\n" +
          "next: deno test -P=test domains/shop\n",
      });
    },
  });
  const r = await f.call("scaffold", { kind: "plugin", name: "shop/hello", route: "GET /hello" });
  assertEquals(seen, [["task", "new", "plugin", "shop/hello", "--route", "GET /hello"]]);
  assertEquals((r as { written: string[] }).written, [
    "domains/shop/plugins/hello.ts",
    "domains/shop/plugins/hello_test.ts",
  ]);
  // A bad name is refused before anything runs.
  await f.fail("scaffold", { kind: "domain", name: "Shop" });
  assertEquals(seen.length, 1);
});

Deno.test("run_tests: the deno test command for a plugin, failures as text", async () => {
  const seen: string[][] = [];
  await using f = await mcpFixture({
    runDeno: (args) => {
      seen.push(args);
      return Promise.resolve({
        code: 1,
        out: "running 1 test\n\n ERRORS \n\nx => ./t.ts:3:1\nerror: AssertionError\n\n" +
          "FAILED | 0 passed | 1 failed (5ms)\n",
      });
    },
  });
  const r = await f.call("run_tests", { target: "users/login" }) as Record<string, unknown>;
  assertEquals(seen, [[
    "test",
    "-P=test",
    "--no-check=remote",
    "domains/users/plugins/login_test.ts",
  ]]);
  assertEquals([r.ok, r.passed, r.failed], [false, 0, 1]);
  assertStringIncludes(r.output as string, "AssertionError");
  const err = await f.fail("run_tests", { target: "../etc" });
  assertStringIncludes(err, "target must be a domain");
  assertEquals(seen.length, 1);
});

Deno.test("every tool call is logged with its name and outcome", async () => {
  await using f = await mcpFixture();
  await f.call("list_events");
  await f.fail("run_tests", { target: "../x" });
  await f.call("call_endpoint", { method: "GET", path: "/health", token: "secret-jwt" });
  const mcp = f.logged.filter((l) => l.includes("mcp: "));
  assertEquals(mcp.length, 3);
  assertMatch(
    mcp[2],
    /^info mcp: call_endpoint \{"method":"GET","path":"\/health","token":"\*\*\*"\} ok/,
  );
  assert(!f.logged.some((l) => l.includes("secret-jwt")));
  assertMatch(mcp[0], /^info mcp: list_events \{\} ok in \d+ ms$/);
  assertMatch(mcp[1], /^warn mcp: run_tests \{"target":"\.\.\/x"\} failed in \d+ ms: target must/);
});

Deno.test("brief: credentials are masked at any depth, whatever their case; the rest is kept", () => {
  assertEquals(
    brief({
      token: "t1",
      headers: { Authorization: "Bearer a", Cookie: "sid=1", "set-cookie": "x=2", accept: "*/*" },
    }),
    '{"token":"***","headers":{"Authorization":"***","Cookie":"***","set-cookie":"***",' +
      '"accept":"*/*"}}',
  );
  assertEquals(
    brief({
      body: { email: "a@b.c", password: "hunter2", nested: [{ SECRET: "s", refreshToken: "r" }] },
      x_api_token: "k",
    }),
    '{"body":{"email":"a@b.c","password":"***","nested":[{"SECRET":"***","refreshToken":"***"}]},' +
      '"x_api_token":"***"}',
  );
  // A masked value of any type (an object under `password` is not written either).
  assertEquals(brief({ password: { a: 1 }, tokens: [1] }), '{"password":"***","tokens":"***"}');
  assertEquals(
    brief({ name: "token", note: "a password" }),
    '{"name":"token","note":"a password"}',
  );
});
