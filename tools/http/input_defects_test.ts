/**
 * The defects the bad-input probe of issue 16 found, one test each (each failed before its fix).
 * The same cases run over a real socket against the example app in e2e/bad_input_test.ts.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { RequestContext, RequestId } from "./context.ts";
import { CLIENT_GONE, errorReply } from "./errors.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

/** A tool with routes that echo what the handler received. */
function echoTool() {
  const { tool, log } = makeTool();
  const o = owner("shop/echo");
  const http = tool.forOwner(o);
  const seen: unknown[] = [];
  http.addEndpoint("/echo", "POST", (d, ctx) => {
    seen.push(d);
    return { success: true, data: d, query: ctx.query, proto: Object.getPrototypeOf(d) === null };
  });
  http.addEndpoint("/q", "GET", (d, ctx) => {
    seen.push(d);
    return { success: true, data: d, query: ctx.query };
  });
  http.addEndpoint("/typed", "POST", (d) => {
    seen.push(d);
    return { success: true, data: d };
  }, { body: z.object({ name: z.string() }), query: z.object({ q: z.string().optional() }) });
  http.addEndpoint("/items/:name", "GET", (d) => {
    seen.push(d);
    return { success: true, data: d };
  });
  tool.activate(o);
  return { tool, log, seen };
}

Deno.test("docs assets named like Object.prototype members are 404 JSON, not an empty 200", async () => {
  const { tool } = makeTool();
  for (const name of ["constructor", "toString", "valueOf", "__proto__", "hasOwnProperty"]) {
    const res = await call(tool, "GET", `/docs/${name}`);
    assert.equal(res.status, 404, name);
    assert.equal(res.headers.get("content-type"), "application/json", name);
    assert.deepEqual(await res.json(), { success: false, error: "Not found" }, name);
  }
  // the twin: a real asset is still served
  const ok = await call(tool, "GET", "/docs/init.js");
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("content-type"), "text/javascript; charset=utf-8");
  await ok.body?.cancel();
});

Deno.test("query keys named like Object.prototype members are plain strings", async () => {
  const { tool, seen } = echoTool();
  const res = await call(tool, "GET", "/q?constructor=x&toString=y&valueOf=1&valueOf=2");
  const want = { constructor: "x", toString: "y", valueOf: ["1", "2"] };
  assert.deepEqual(await res.json(), { success: true, data: want, query: want });
  assert.equal(res.status, 200);
  assert.equal(Object.getPrototypeOf(seen[0]), Object.prototype, "data stays a plain object");
});

Deno.test("__proto__ in the query, a form or a JSON body never changes the data's prototype", async () => {
  const { tool, seen } = echoTool();
  const json = await call(tool, "POST", "/echo?q=1", '{"__proto__":{"isAdmin":true},"a":1}');
  assert.equal(json.status, 200);
  await json.body?.cancel();
  const form = await call(tool, "POST", "/echo?q=1", "__proto__=a&__proto__=b&a=1", {
    "content-type": "application/x-www-form-urlencoded",
  });
  assert.equal(form.status, 200);
  await form.body?.cancel();
  const query = await call(tool, "GET", "/q?__proto__=a&__proto__=b");
  assert.equal(query.status, 200);
  await query.body?.cancel();
  for (const d of seen as Record<string, unknown>[]) {
    assert.equal(Object.getPrototypeOf(d), Object.prototype);
    assert.equal(d.isAdmin, undefined);
    assert.equal(d.push, undefined);
  }
  assert.deepEqual(Object.getOwnPropertyDescriptor(seen[0], "__proto__")?.value, {
    isAdmin: true,
  });
});

Deno.test("form fields named like Object.prototype members are plain values", async () => {
  const { tool } = echoTool();
  const url = await call(tool, "POST", "/echo", "constructor=x&toString=y&toString=z", {
    "content-type": "application/x-www-form-urlencoded",
  });
  assert.deepEqual((await url.json()).data, { constructor: "x", toString: ["y", "z"] });
  const fd = new FormData();
  fd.append("constructor", "x");
  fd.append("valueOf", "1");
  fd.append("valueOf", "2");
  const multi = await tool.fetch(new Request("http://t/echo", { method: "POST", body: fd }));
  assert.equal(multi.status, 200);
  assert.deepEqual((await multi.json()).data, { constructor: "x", valueOf: ["1", "2"] });
});

Deno.test("only application/json and +json bodies are parsed as JSON", async () => {
  const { tool, seen } = echoTool();
  for (const type of ["text/notjson", "application/jsonx", "text/plain; x=json", "json"]) {
    const res = await call(tool, "POST", "/echo", '{"a":1}', { "content-type": type });
    assert.equal(res.status, 415, type);
    assert.deepEqual(await res.json(), {
      success: false,
      error: `Unsupported content type "${type}": send application/json or a form`,
    });
  }
  assert.equal(seen.length, 0);
  for (
    const type of [
      "application/json",
      "Application/JSON; charset=utf-8",
      "application/problem+json",
      "application/vnd.api+json;charset=utf-8",
    ]
  ) {
    const res = await call(tool, "POST", "/echo", '{"a":1}', { "content-type": type });
    assert.equal(res.status, 200, type);
    assert.deepEqual((await res.json()).data, { a: 1 }, type);
  }
});

Deno.test("a NUL character in any input string is a 400 naming the field", async () => {
  const { tool, seen } = echoTool();
  const cases: [string, string, string | undefined, Record<string, string>, string][] = [
    ["POST", "/typed", JSON.stringify({ name: "dupe\u0000A" }), {}, "body.name"],
    ["POST", "/echo", JSON.stringify({ a: { b: ["ok", "x\u0000"] } }), {}, "body.a.b.1"],
    ["POST", "/echo", JSON.stringify({ ["k\u0000"]: 1 }), {}, "body.k\u0000"],
    ["POST", "/echo", "name=a%00b", {
      "content-type": "application/x-www-form-urlencoded",
    }, "body.name"],
    ["GET", "/q?name=a%00b", undefined, {}, "query.name"],
    ["GET", "/items/a%00b", undefined, {}, "params.name"],
  ];
  for (const [method, path, body, headers, field] of cases) {
    const res = await call(tool, method, path, body, headers);
    assert.equal(res.status, 400, path);
    const [where, ...rest] = field.split(".");
    assert.deepEqual(await res.json(), {
      success: false,
      error: `Invalid request: ${field}`,
      details: [{
        in: where,
        field: rest.join("."),
        message: "must not contain a NUL character (U+0000)",
      }],
    }, field);
  }
  assert.equal(seen.length, 0, "no handler ran");
  // the twin: an escaped backslash followed by u0000 is not a NUL
  const ok = await call(tool, "POST", "/typed", JSON.stringify({ name: "\\u0000" }));
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { success: true, data: { name: "\\u0000" } });
});

Deno.test("setCookie refuses options that would inject attributes or headers", () => {
  const ctx = new RequestContext(new Request("http://t/"), {}, {}, new RequestId(null));
  for (
    const [opts, what] of [
      [{ path: "/; Domain=evil.example" }, "path"],
      [{ path: "/\r\nX-Evil: 1" }, "path"],
      [{ domain: "example.com; Secure" }, "domain"],
      [{ domain: "example.com\nX: 1" }, "domain"],
      [{ maxAge: Number.NaN }, "maxAge"],
      [{ expires: new Date("nope") }, "expires"],
      [{ sameSite: "Lax; Domain=evil" as "Lax" }, "sameSite"],
    ] as const
  ) {
    assert.throws(() => ctx.setCookie("s", "v", opts), new RegExp(`setCookie: ${what}`), what);
  }
  assert.equal(ctx.extra, undefined, "nothing was written");
  ctx.setCookie("s;1", "v\r\n", { path: "/app", domain: "example.com", maxAge: 60 });
  assert.deepEqual(ctx.extra, [[
    "set-cookie",
    "s%3B1=v%0D%0A; Path=/app; Max-Age=60; Domain=example.com; HttpOnly; Secure; SameSite=Lax",
  ]]);
});

Deno.test("a client that half-closes after a complete body is not a logged server error", async () => {
  const { tool, log } = makeTool();
  const o = owner("shop/half");
  let ran = 0;
  tool.forOwner(o).addEndpoint("/half", "POST", (d) => {
    ran++;
    return { success: true, n: Object.keys(d).length };
  });
  tool.activate(o);
  const url = await tool.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const body = JSON.stringify({ a: "x".repeat(100_000) });
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) });
      await conn.write(new TextEncoder().encode(
        `POST /half HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
          `content-length: ${body.length}\r\n\r\n${body}`,
      ));
      await conn.closeWrite();
      const text = await new Response(conn.readable).text();
      answers.push(text.slice(text.indexOf("\r\n\r\n") + 4));
      assert.doesNotMatch(text, /requestId|BadResource|Internal/);
    }
    // Deno drops a body it had not read yet once the client half-closes (it usually had not,
    // at this size): the client's doing, a 400 saying so, never a 500 with a stack in the log.
    // When the read won the race, the handler ran.
    const gone =
      '{"success":false,"error":"Request body could not be read: the client closed the connection"}';
    assert.equal(answers.filter((a) => a === gone).length + ran, 5, answers.join("\n"));
    assert.deepEqual(log.filter((l) => l.level === "error" || l.level === "warn"), []);
  } finally {
    await tool.quiesce(1000);
  }
});

Deno.test("a body read by the handler itself (rawBody) failing the same way is a 400 too", () => {
  const id = { value: "r-1" };
  const gone = new Deno.errors.BadResource(
    "Cannot read request body as underlying resource unavailable",
  );
  assert.deepEqual(errorReply(gone, id), {
    status: 400,
    body: { success: false, error: CLIENT_GONE },
  });
  // the twin: another bad resource is still a server error
  assert.equal(errorReply(new Deno.errors.BadResource("Bad resource ID"), id).status, 500);
});

Deno.test("a JSON body nested deeper than 64 levels is a 400, not a stack overflow", async () => {
  const { tool, log, seen } = echoTool();
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
  for (const body of [`{"a":${deep(100_000)}}`, `{"a":${deep(64)}}`]) {
    const res = await call(tool, "POST", "/echo", body);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      success: false,
      error: "JSON body nested deeper than 64 levels",
    });
  }
  assert.equal(seen.length, 0);
  assert.deepEqual(log.filter((l) => l.level === "error"), []);
  // the twin: 64 levels are fine
  const ok = await call(tool, "POST", "/echo", `{"a":${deep(63)}}`);
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

Deno.test("setHeader refuses a header that would split the response, naming it", () => {
  const ctx = new RequestContext(new Request("http://t/"), {}, {}, new RequestId(null));
  assert.throws(
    () => ctx.setHeader("x-a", "1\r\nx-b: 2"),
    /setHeader: invalid header "x-a": "1\\r\\nx-b: 2"/,
  );
  assert.throws(() => ctx.setHeader("bad name", "1"), /setHeader: invalid header "bad name"/);
  assert.equal(ctx.extra, undefined, "nothing was written");
  ctx.setHeader("X-Ok", "fine");
  assert.deepEqual(ctx.extra, [["x-ok", "fine"]]);
});
