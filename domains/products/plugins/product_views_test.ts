import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import ProductViewsPlugin from "./product_views.ts";

Deno.test("POST /products/:id/views counts per product; GET reads the count", async () => {
  await using t = await bootPlugin(ProductViewsPlugin);
  assert.deepEqual((await t.http.request("GET", "/products/4/views")).body, {
    success: true,
    data: { id: 4, views: 0 },
  });
  for (const n of [1, 2, 3]) {
    const res = await t.http.request("POST", "/products/4/views");
    assert.equal(res.status, 200);
    assert.equal(res.body.data.views, n);
  }
  await t.http.request("POST", "/products/5/views");
  assert.equal((await t.http.request("GET", "/products/4/views")).body.data.views, 3);
  assert.equal((await t.http.request("GET", "/products/5/views")).body.data.views, 1);
  assert.equal((await t.http.request("POST", "/products/x/views")).status, 400);
});

Deno.test("a state store that is down gives a 503, and the count resumes after", async () => {
  let down = false;
  const counts = new Map<string, number>();
  const unavailable = () => Object.assign(new Error("redis down"), { kind: "unavailable" });
  const store = {
    namespace: () => store,
    increment: (key: string) => {
      if (down) return Promise.reject(unavailable());
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return Promise.resolve(counts.get(key));
    },
    get: (key: string) => down ? Promise.reject(unavailable()) : Promise.resolve(counts.get(key)),
  };
  await using t = await bootPlugin(ProductViewsPlugin, { tools: { state: store } });
  await t.http.request("POST", "/products/1/views");
  down = true;
  const res = await t.http.request("POST", "/products/1/views");
  assert.equal(res.status, 503);
  assert.equal(res.body.details.kind, "unavailable");
  down = false;
  assert.equal((await t.http.request("POST", "/products/1/views")).body.data.views, 2);
});

Deno.test("unloading releases both routes", async () => {
  await using t = await bootPlugin(ProductViewsPlugin);
  await t.unload();
  await t.assertReleased();
});
