/**
 * Response headers and paths at their edges: CORS lists, credentials and Vary, an HttpError
 * without details, static files' type and Last-Modified, paths without a leading "/" or with a
 * regex constraint, and the documented response schema (what the handler returns).
 * @module
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { corsFromEnv } from "./cors.ts";
import { HttpError } from "./errors.ts";
import { contentType } from "./static.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

Deno.test("cors: CORS_ORIGINS as a list; no credentials header unless asked", async () => {
  assert.deepEqual(corsFromEnv(" https://a.example , https://b.example ")?.origins, [
    "https://a.example",
    "https://b.example",
  ]);
  const { tool } = makeTool();
  tool.cors({ origins: ["https://a.example"] });
  const o = owner("shop/c");
  tool.forOwner(o).addEndpoint("/c", "GET", () => ({ success: true }));
  tool.activate(o);
  const r = await call(tool, "GET", "/c", undefined, { origin: "https://a.example" });
  await r.body?.cancel();
  assert.equal(r.headers.get("access-control-allow-origin"), "https://a.example");
  assert.equal(r.headers.get("access-control-allow-credentials"), null);
});

Deno.test("cors: Origin is added to a handler's Vary unless that already names it", async () => {
  const { tool } = makeTool();
  tool.cors({ origins: ["https://a.example"] });
  const o = owner("shop/v");
  const api = tool.forOwner(o);
  for (const vary of ["Accept", "Origin-Agent-Cluster", "accept, origin"]) {
    api.addEndpoint(`/v/${encodeURIComponent(vary)}`, "GET", (_d, ctx) => {
      ctx.setHeader("vary", vary);
      return { success: true };
    });
  }
  tool.activate(o);
  const vary = async (v: string) => {
    const r = await call(tool, "GET", `/v/${encodeURIComponent(v)}`, undefined, {
      origin: "https://a.example",
    });
    await r.body?.cancel();
    return r.headers.get("vary");
  };
  assert.equal(await vary("Accept"), "Accept, Origin");
  assert.equal(await vary("Origin-Agent-Cluster"), "Origin-Agent-Cluster, Origin");
  assert.equal(await vary("accept, origin"), "accept, origin");
});

Deno.test("errors: an HttpError without details has no details field", async () => {
  const { tool } = makeTool();
  const o = owner("shop/e");
  tool.forOwner(o).addEndpoint("/e", "GET", () => {
    throw new HttpError(403, "Not yours");
  });
  tool.activate(o);
  const r = await call(tool, "GET", "/e");
  assert.equal(r.status, 403);
  assert.deepEqual(await r.json(), { success: false, error: "Not yours" });
});

Deno.test("static: a PDF's type, and Last-Modified from the file", async () => {
  assert.equal(contentType("doc/a.pdf"), "application/pdf");
  const { tool } = makeTool();
  const o = owner("web/site");
  const dir = new URL("./testdata/public", import.meta.url).pathname;
  tool.forOwner(o).serveStatic("/site", dir);
  tool.activate(o);
  const r = await call(tool, "GET", "/site/index.html");
  await r.body?.cancel();
  const mtime = (await Deno.stat(`${dir}/index.html`)).mtime!;
  assert.equal(r.headers.get("last-modified"), mtime.toUTCString());
});

Deno.test("paths: no leading / is added; {id} and a :id{regex} are documented as {id}", async () => {
  const { tool } = makeTool();
  const o = owner("shop/p");
  const api = tool.forOwner(o);
  api.addEndpoint("items/{id}", "GET", (_d, ctx) => ({ id: ctx.params.id }));
  api.addEndpoint("/codes/:code{[0-9]+}", "GET", (_d, ctx) => ({ code: ctx.params.code }));
  tool.activate(o);
  assert.deepEqual(await (await call(tool, "GET", "/items/7")).json(), { id: "7" });
  assert.deepEqual(await (await call(tool, "GET", "/codes/42")).json(), { code: "42" });
  const doc = await (await call(tool, "GET", "/openapi.json")).json();
  assert.deepEqual(Object.keys(doc.paths).sort(), ["/codes/{code}", "/items/{id}"]);
});

Deno.test("openapi: the response schema is what the handler returns (defaults filled)", async () => {
  const { tool } = makeTool();
  const o = owner("shop/r");
  tool.forOwner(o).addEndpoint("/r", "GET", () => ({ n: 1 }), {
    response: z.object({ n: z.number().default(1) }),
  });
  tool.activate(o);
  const doc = await (await call(tool, "GET", "/openapi.json")).json();
  const schema = doc.paths["/r"].get.responses["200"].content["application/json"].schema;
  assert.deepEqual(schema.required, ["n"], "output: n is always there");
});

Deno.test("answers: null is a 204 like undefined; two cookies on a JSON answer are both sent", async () => {
  const { tool } = makeTool();
  const o = owner("shop/a");
  const api = tool.forOwner(o);
  api.addEndpoint("/null", "GET", () => null);
  api.addEndpoint("/two", "GET", (_d, ctx) => {
    ctx.setCookie("a", "1");
    ctx.setCookie("b", "2");
    return { success: true };
  });
  tool.activate(o);
  const n = await call(tool, "GET", "/null");
  assert.equal(n.status, 204);
  assert.equal(await n.text(), "");
  const two = await call(tool, "GET", "/two");
  await two.body?.cancel();
  assert.deepEqual(two.headers.getSetCookie(), [
    "a=1; Path=/; HttpOnly; Secure; SameSite=Lax",
    "b=2; Path=/; HttpOnly; Secure; SameSite=Lax",
  ]);
});
