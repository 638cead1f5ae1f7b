/**
 * What a handler's context does at its edges: statuses out of range, headers and cookies it
 * sets (and nothing else), an immutable Response, HEAD, error kinds that are not real kinds,
 * the logged line of a thrown error.
 * @module
 */
import assert from "node:assert/strict";
import { RequestContext, RequestId } from "./context.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

function live(id: string) {
  const t = makeTool();
  const o = owner(id);
  return { ...t, api: t.tool.forOwner(o), activate: () => t.tool.activate(o) };
}

Deno.test("context: setStatus takes integers 100–599 only", () => {
  const ctx = new RequestContext(new Request("http://t/"), {}, {}, new RequestId(null));
  for (const bad of [99, 600, 200.5, Number.NaN]) {
    assert.throws(() => ctx.setStatus(bad), new RangeError(`Invalid HTTP status ${bad}`));
  }
  for (const ok of [100, 599]) {
    ctx.setStatus(ok);
    assert.equal(ctx.status, ok);
  }
});

Deno.test("context: setHeader adds that header and nothing else; secure: false drops Secure", async () => {
  const { tool, api, activate } = live("shop/h");
  api.addEndpoint("/plain", "GET", () => ({ success: true }));
  api.addEndpoint("/one", "GET", (_d, ctx) => {
    ctx.setHeader("X-One", "1");
    return { success: true };
  });
  api.addEndpoint("/insecure", "GET", (_d, ctx) => {
    ctx.setCookie("dev", "1", { secure: false });
    return { success: true };
  });
  activate();
  const names = async (path: string) => {
    const r = await call(tool, "GET", path);
    await r.body?.cancel();
    return [...r.headers.keys()].filter((k) => k !== "x-request-id").sort();
  };
  const plain = await names("/plain");
  assert.deepEqual(await names("/one"), [...plain, "x-one"].sort());
  const r = await call(tool, "GET", "/insecure");
  await r.body?.cancel();
  assert.equal(r.headers.get("set-cookie"), "dev=1; Path=/; HttpOnly; SameSite=Lax");
});

Deno.test("context: cookies and headers reach an immutable Response (a redirect) too", async () => {
  const { tool, api, activate } = live("shop/r");
  api.addEndpoint("/go", "GET", (_d, ctx) => {
    ctx.setCookie("a", "1");
    ctx.setCookie("b", "2");
    ctx.setHeader("x-why", "moved");
    return Response.redirect("http://test.local/there", 302);
  });
  activate();
  const r = await call(tool, "GET", "/go");
  await r.body?.cancel();
  assert.equal(r.status, 302);
  assert.equal(r.headers.get("location"), "http://test.local/there");
  assert.deepEqual(r.headers.getSetCookie(), [
    "a=1; Path=/; HttpOnly; Secure; SameSite=Lax",
    "b=2; Path=/; HttpOnly; Secure; SameSite=Lax",
  ]);
  assert.equal(r.headers.get("x-why"), "moved");
});

Deno.test("context: HEAD on a GET route answers the headers without the body", async () => {
  const { tool, api, activate } = live("shop/head");
  api.addEndpoint("/item", "GET", () => ({ success: true, name: "tea" }));
  activate();
  const head = await call(tool, "HEAD", "/item");
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  const get = await call(tool, "GET", "/item");
  assert.deepEqual(await get.json(), { success: true, name: "tea" }, "the twin: GET has it");
});

Deno.test("context: an error kind named like an Object property is a plain 500", async () => {
  const { tool, api, activate } = live("shop/kinds");
  for (const kind of ["constructor", "toString", "hasOwnProperty"]) {
    api.addEndpoint(`/k/${kind}`, "GET", () => {
      throw Object.assign(new Error("odd"), { kind });
    });
  }
  activate();
  for (const kind of ["constructor", "toString", "hasOwnProperty"]) {
    const r = await call(tool, "GET", `/k/${kind}`);
    assert.equal(r.status, 500, kind);
    assert.equal((await r.json()).error, "Internal server error", kind);
  }
});

Deno.test("context: a thrown error is logged with its message, at the plugin", async () => {
  const { tool, log, api, activate } = live("shop/boom");
  api.addEndpoint("/boom", "GET", () => {
    throw new Error("disk full");
  });
  activate();
  const r = await call(tool, "GET", "/boom");
  await r.body?.cancel();
  const errors = log.filter((l) => l.level === "error").map((l) => l.message);
  assert.deepEqual(errors, [
    "GET /boom failed in shop/boom (domains/shop/plugins/boom.ts): disk full",
  ]);
});
