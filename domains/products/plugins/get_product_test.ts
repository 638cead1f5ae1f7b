import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import GetProductPlugin from "./get_product.ts";

Deno.test("GET /products/:id answers with the stock that inventory reports", async () => {
  await using t = await bootPlugin(GetProductPlugin);
  await t.db.execute("INSERT INTO products (name, price) VALUES ($1, $2)", ["Tea", 3]);
  t.bus.respondTo<{ productId: number }>("inventory.stock", ({ payload }) => ({
    quantity: payload.productId === 1 ? 5 : 0,
  }));
  const res = await t.http.request("GET", "/products/1");
  assert.equal(res.status, 200);
  assert.equal(res.body.data.name, "Tea");
  assert.equal(res.body.data.stock, 5);
});

Deno.test("GET /products/:id: stock null without inventory; 404 and 400 for bad ids", async () => {
  await using t = await bootPlugin(GetProductPlugin);
  await t.db.execute("INSERT INTO products (name, price) VALUES ($1, $2)", ["Tea", 3]);
  assert.equal((await t.http.request("GET", "/products/1")).body.data.stock, null);
  assert.equal((await t.http.request("GET", "/products/2")).status, 404);
  assert.equal((await t.http.request("GET", "/products/abc")).status, 400);
});
