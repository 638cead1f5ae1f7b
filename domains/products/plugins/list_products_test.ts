import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import ListProductsPlugin from "./list_products.ts";

Deno.test("GET /products pages through products in id order, with the total", async () => {
  await using t = await bootPlugin(ListProductsPlugin);
  await t.db.executeMany("INSERT INTO products (name, price) VALUES ($1, $2)", [
    ["a", 1],
    ["b", 2],
    ["c", 3],
  ]);
  const res = await t.http.request("GET", "/products", { limit: 2, offset: 1 });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data.items.map((p: { name: string }) => p.name), ["b", "c"]);
  assert.equal(res.body.data.total, 3);
  assert.equal((await t.http.request("GET", "/products")).body.data.limit, 20);
  assert.equal((await t.http.request("GET", "/products", { limit: 500 })).status, 400);
});
