import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { z } from "zod";
import { call, makeTool, owner } from "./test_helpers.ts";

Deno.test("/openapi.json is valid OpenAPI 3.1 and lists every live route", async () => {
  const { tool } = makeTool();
  const o = owner("shop/products");
  const api = tool.forOwner(o);
  api.addEndpoint("/products", "POST", () => ({ success: true }), {
    body: z.object({ name: z.string().min(1), price: z.number().positive() }),
    response: z.object({ success: z.boolean(), id: z.number() }),
    tags: ["products"],
    summary: "Create a product",
  });
  api.addEndpoint("/products/{id}", "GET", () => ({ success: true }), {
    params: z.object({ id: z.coerce.number().int() }),
    query: z.object({ expand: z.enum(["tags", "stock"]).optional() }),
  });
  api.addEndpoint("/products/:id", "DELETE", () => undefined);
  api.addSse("/products/feed", async function* () {});
  const staged = owner("shop/staged");
  tool.forOwner(staged).addEndpoint("/hidden", "GET", () => ({}));
  tool.activate(o);

  const res = await call(tool, "GET", "/openapi.json");
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.equal(doc.openapi, "3.1.0");
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors));
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    "/products",
    "/products/feed",
    "/products/{id}",
  ]);
  assert.deepEqual(Object.keys(doc.paths["/products/{id}"]).sort(), ["delete", "get"]);
  const post = doc.paths["/products"].post;
  assert.equal(post.summary, "Create a product");
  assert.deepEqual(post.tags, ["products"]);
  assert.deepEqual(post.requestBody.content["application/json"].schema.required, ["name", "price"]);
  const get = doc.paths["/products/{id}"].get;
  assert.deepEqual(get.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`), [
    "path:id",
    "query:expand",
  ]);
  assert.ok(doc.paths["/products/feed"].get.responses["200"].content["text/event-stream"]);

  // the doc follows the live set
  tool.release("shop/products");
  const after = await (await call(tool, "GET", "/openapi.json")).json();
  assert.deepEqual(Object.keys(after.paths), []);
});

Deno.test("/docs and its assets are served by us, with no network", async () => {
  const { tool } = makeTool();
  const page = await call(tool, "GET", "/docs");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /text\/html/);
  const html = await page.text();
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(refs.length >= 3);
  for (const ref of refs) {
    assert.ok(ref.startsWith("/docs/"), `asset ${ref} must be local`);
    const a = await call(tool, "GET", ref);
    assert.equal(a.status, 200, ref);
    const body = await a.text();
    assert.ok(body.length > 0);
    if (ref.endsWith("bundle.js")) assert.ok(body.includes("SwaggerUIBundle"));
  }
  const missing = await call(tool, "GET", "/docs/nope.js");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});
