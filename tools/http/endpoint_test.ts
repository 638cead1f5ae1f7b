import assert from "node:assert/strict";
import { z } from "zod";
import { HttpError } from "./errors.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

function live(tool: ReturnType<typeof makeTool>["tool"], id: string, gen = 1) {
  const o = owner(id, gen);
  const api = tool.forOwner(o);
  return { api, activate: () => tool.activate(o), o };
}

Deno.test("seed example: POST /products returns {success, id}", async () => {
  const { tool } = makeTool();
  const { api, activate } = live(tool, "products/create_product");
  let nextId = 1;
  api.addEndpoint("/products", "POST", (data) => {
    assert.equal(data.name, "Tea");
    assert.equal(data.price, 3.5);
    return { success: true, id: nextId++ };
  });
  activate();
  const res = await call(tool, "POST", "/products", { name: "Tea", price: 3.5 });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { success: true, id: 1 });
  assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f]{8}-[0-9a-z]+$/);
});

Deno.test("data merges query, path params and body (later wins)", async () => {
  const { tool } = makeTool();
  const { api, activate } = live(tool, "shop/merge");
  let seen: Record<string, unknown> = {};
  api.addEndpoint("/items/{id}/notes/:note", "PUT", (data, ctx) => {
    seen = { ...data };
    assert.equal(ctx.params.id, "7");
    assert.equal(ctx.query.q, "x");
    return { success: true };
  });
  activate();
  const res = await call(tool, "PUT", "/items/7/notes/a%20b?q=x&id=query&tag=1&tag=2", {
    text: "hi",
    q: "body",
  });
  assert.equal(res.status, 200);
  assert.deepEqual(seen, { id: "7", note: "a b", q: "body", tag: ["1", "2"], text: "hi" });
});

Deno.test("form bodies are merged too", async () => {
  const { tool } = makeTool();
  const { api, activate } = live(tool, "shop/form");
  api.addEndpoint("/form", "POST", (data) => ({ success: true, data }));
  activate();
  const res = await call(tool, "POST", "/form", "a=1&b=two", {
    "content-type": "application/x-www-form-urlencoded",
  });
  assert.deepEqual(await res.json(), { success: true, data: { a: "1", b: "two" } });
  const fd = new FormData();
  fd.set("name", "x");
  const res2 = await tool.fetch(new Request("http://t/form", { method: "POST", body: fd }));
  assert.deepEqual(await res2.json(), { success: true, data: { name: "x" } });
});

Deno.test("schemas validate and type data; bad fields give 400 naming each", async () => {
  const { tool } = makeTool();
  const { api, activate } = live(tool, "shop/validated");
  let calls = 0;
  api.addEndpoint("/orders/:id", "POST", (data) => {
    calls++;
    const total: number = data.qty * data.price; // typed from the schemas
    const id: number = data.id;
    const page: number = data.page;
    return { success: true, data: { total, id, page } };
  }, {
    body: z.object({ qty: z.number().int().positive(), price: z.number() }),
    params: z.object({ id: z.coerce.number() }),
    query: z.object({ page: z.coerce.number().default(1) }),
  });
  activate();
  const ok = await call(tool, "POST", "/orders/5", { qty: 2, price: 1.5 });
  assert.deepEqual(await ok.json(), { success: true, data: { total: 3, id: 5, page: 1 } });

  const bad = await call(tool, "POST", "/orders/5?page=abc", { qty: -1 });
  assert.equal(bad.status, 400);
  const body = await bad.json();
  assert.equal(body.success, false);
  const fields = body.details.map((d: { in: string; field: string }) => `${d.in}.${d.field}`);
  assert.deepEqual(fields.sort(), ["body.price", "body.qty", "query.page"]);
  for (const d of body.details) assert.ok(d.message.length > 0);
  assert.match(body.error, /body\.qty/);
  assert.equal(calls, 1);
});

Deno.test("status defaults: success:false → 400, setStatus wins, undefined → 204", async () => {
  const { tool } = makeTool();
  const { api, activate } = live(tool, "shop/status");
  api.addEndpoint("/fail", "GET", () => ({ success: false, error: "nope" }));
  api.addEndpoint("/created", "POST", (_d, ctx) => {
    ctx.setStatus(201);
    ctx.setHeader("X-Extra", "1");
    ctx.setCookie("sid", "abc", { maxAge: 60 });
    return { success: true };
  });
  api.addEndpoint("/none", "DELETE", () => undefined);
  api.addEndpoint("/text", "GET", () => "plain");
  api.addEndpoint("/raw", "GET", () => new Response("raw", { status: 202 }));
  api.addEndpoint("/cookie", "GET", (_d, ctx) => ({ success: true, v: ctx.getCookie("a") }));
  activate();
  assert.equal((await call(tool, "GET", "/fail")).status, 400);
  const c = await call(tool, "POST", "/created");
  assert.equal(c.status, 201);
  assert.equal(c.headers.get("x-extra"), "1");
  assert.match(
    c.headers.get("set-cookie") ?? "",
    /^sid=abc; Path=\/; Max-Age=60; HttpOnly; Secure; SameSite=Lax$/,
  );
  await c.body?.cancel();
  assert.equal((await call(tool, "DELETE", "/none")).status, 204);
  const t = await call(tool, "GET", "/text");
  assert.equal(await t.text(), "plain");
  const r = await call(tool, "GET", "/raw");
  assert.equal(r.status, 202);
  assert.equal(await r.text(), "raw");
  assert.ok(r.headers.get("x-request-id"));
  const k = await call(tool, "GET", "/cookie", undefined, { cookie: "a=1; b=2" });
  assert.deepEqual(await k.json(), { success: true, v: "1" });
});

Deno.test("error statuses: 404, 405, malformed JSON, 413, 415, 500, HttpError, kinds", async () => {
  const { tool, log } = makeTool();
  tool.bodyLimit = 100;
  const { api, activate } = live(tool, "shop/errors");
  let called = 0;
  api.addEndpoint("/echo", "POST", (d) => {
    called++;
    return { success: true, d };
  });
  api.addEndpoint("/boom", "GET", () => {
    throw new Error("secret detail");
  });
  api.addEndpoint("/forbidden", "GET", () => {
    throw new HttpError(403, "Not yours", { why: "owner" });
  });
  const kinds: Record<string, number> = {
    unique_violation: 409,
    foreign_key_violation: 409,
    not_null_violation: 400,
    check_violation: 400,
    not_found: 404,
  };
  for (const kind of Object.keys(kinds)) {
    api.addEndpoint(`/kind/${kind}`, "GET", () => {
      throw Object.assign(new Error(`db says ${kind}`), { kind });
    });
  }
  activate();

  const nf = await call(tool, "GET", "/nope");
  assert.equal(nf.status, 404);
  assert.equal((await nf.json()).success, false);

  const na = await call(tool, "GET", "/echo");
  assert.equal(na.status, 405);
  assert.equal(na.headers.get("allow"), "POST");
  await na.body?.cancel();

  const mj = await call(tool, "POST", "/echo", "{not json");
  assert.equal(mj.status, 400);
  assert.match((await mj.json()).error, /Malformed JSON/);

  const big = await call(tool, "POST", "/echo", { s: "x".repeat(200) });
  assert.equal(big.status, 413);
  await big.body?.cancel();
  // no content-length: a stream over the limit is cut at the limit
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode('"' + "x".repeat(50)));
      c.close();
    },
  });
  const big2 = await tool.fetch(
    new Request("http://t/echo", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
    }),
  );
  assert.equal(big2.status, 413);
  await big2.body?.cancel();

  const ct = await call(tool, "POST", "/echo", "<xml/>", { "content-type": "application/xml" });
  assert.equal(ct.status, 415);
  await ct.body?.cancel();
  assert.equal(called, 0);

  tool.requestIds({ from: "x-request-id" }); // a proxy's id flows through to body and log
  const boom = await call(tool, "GET", "/boom", undefined, { "x-request-id": "req-123" });
  assert.equal(boom.status, 500);
  assert.equal(boom.headers.get("x-request-id"), "req-123");
  const bb = await boom.json();
  assert.deepEqual(bb, { success: false, error: "Internal server error", requestId: "req-123" });
  const err = log.find((l) => l.level === "error");
  assert.ok(err);
  assert.equal(err.props?.plugin, "shop/errors");
  assert.match(String(err.props?.stack), /secret detail/);
  assert.ok(log.some((l) => l.level === "warn" && /GET \/boom 500/.test(l.message)));

  const fb = await call(tool, "GET", "/forbidden");
  assert.equal(fb.status, 403);
  assert.deepEqual(await fb.json(), {
    success: false,
    error: "Not yours",
    details: { why: "owner" },
  });

  for (const [kind, status] of Object.entries(kinds)) {
    const r = await call(tool, "GET", `/kind/${kind}`);
    assert.equal(r.status, status, kind);
    const b = await r.json();
    assert.equal(b.details.kind, kind);
  }
});

Deno.test("a service that is down: kinds connection, unavailable and timeout give a 503 to retry", async () => {
  const { tool, log } = makeTool();
  const { api, activate } = live(tool, "shop/down");
  for (const kind of ["connection", "unavailable", "timeout"]) {
    api.addEndpoint(`/down/${kind}`, "GET", () => {
      throw Object.assign(new Error(`redis at 10.0.0.7:6379: ${kind}`), { kind });
    });
  }
  activate();
  tool.requestIds({ from: "x-request-id" });
  for (const kind of ["connection", "unavailable", "timeout"]) {
    log.length = 0;
    const r = await call(tool, "GET", `/down/${kind}`, undefined, { "x-request-id": `r-${kind}` });
    assert.equal(r.status, 503, kind);
    assert.equal(r.headers.get("retry-after"), "1");
    assert.deepEqual(await r.json(), {
      success: false,
      error: "Service unavailable, try again shortly",
      details: { kind },
      requestId: `r-${kind}`,
    }, "the engine's text (hosts, ports) is not sent");
    const warn = log.find((l) => l.level === "warn" && l.message.includes(": 503, "));
    assert.ok(warn, "one warning names the cause");
    assert.match(warn.message, /redis at 10\.0\.0\.7:6379/);
    assert.equal(warn.props?.requestId, `r-${kind}`);
    assert.equal(log.filter((l) => l.level === "error").length, 0, "no stack for an outage");
  }
});

Deno.test("every request is logged once with method, path, status, duration and plugin", async () => {
  const { tool, log } = makeTool();
  const { api, activate } = live(tool, "shop/logged");
  api.addEndpoint("/ok", "GET", () => ({ success: true }));
  activate();
  log.length = 0;
  await (await call(tool, "GET", "/ok?x=1")).body?.cancel();
  assert.equal(log.length, 1);
  assert.equal(log[0].level, "debug");
  assert.equal(log[0].props?.plugin, "shop/logged");
  assert.equal(log[0].props?.path, "/ok");
  assert.equal(log[0].props?.status, 200);
  assert.equal(typeof log[0].props?.ms, "number");
});

Deno.test("two plugins on the same route: the second throws naming both files", async () => {
  const { tool } = makeTool();
  const a = live(tool, "shop/a");
  const b = live(tool, "billing/b");
  a.api.addEndpoint("/x/:id", "GET", () => ({ success: true, who: "a" }));
  a.activate();
  assert.throws(
    () => b.api.addEndpoint("/x/{other}", "get", () => ({ success: true, who: "b" })),
    (e: Error) =>
      e.message.includes("domains/shop/plugins/a.ts") &&
      e.message.includes("domains/billing/plugins/b.ts"),
  );
  b.api.addEndpoint("/x/:id", "POST", () => ({ success: true })); // other method is fine
  b.activate();
  assert.equal((await (await call(tool, "GET", "/x/1")).json()).who, "a");
  // a plugin cannot take the built-in docs route either
  assert.throws(() => b.api.addEndpoint("/openapi.json", "GET", () => ({})), /tools\/http/);
  // a newer generation of the same owner re-adding its route is a reload, not a conflict
  const a2 = live(tool, "shop/a", 2);
  a2.api.addEndpoint("/x/:id", "GET", () => ({ success: true, who: "a2" }));
  a2.activate();
  assert.equal((await (await call(tool, "GET", "/x/1")).json()).who, "a2");
});

Deno.test("a route's key is free once its plugin is released or reloaded without it, and only then", () => {
  const { tool } = makeTool();
  const a = live(tool, "shop/a");
  a.api.addEndpoint("/y", "GET", () => ({ success: true }));
  a.activate();
  const b = live(tool, "billing/b");
  assert.throws(() => b.api.addEndpoint("/y", "GET", () => ({})), /domains\/shop\/plugins\/a\.ts/);
  // a reloaded without /y: the old generation's route is gone, so b may take it
  live(tool, "shop/a", 2).activate();
  b.api.addEndpoint("/y", "GET", () => ({ success: true }));
  b.activate();
  // … and now a third plugin conflicts with b, not with a's old route
  const c = live(tool, "other/c");
  assert.throws(
    () => c.api.addEndpoint("/y", "GET", () => ({})),
    (e: Error) => e.message.includes("billing/plugins/b.ts") && !e.message.includes("shop"),
  );
  tool.release("billing/b");
  c.api.addEndpoint("/y", "GET", () => ({ success: true }));
});
