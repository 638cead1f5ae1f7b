import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import UpdateProductPlugin from "./update_product.ts";

Deno.test("PATCH /products/:id changes only the fields sent", async () => {
  await using t = await bootPlugin(UpdateProductPlugin);
  await t.db.execute("INSERT INTO products (name, price) VALUES ($1, $2)", ["Tea", 3]);
  const res = await t.http.request("PATCH", "/products/1", { price: 4 });
  assert.equal(res.status, 200);
  assert.deepEqual(await t.rows("SELECT name, price FROM products"), [{ name: "Tea", price: 4 }]);
});

Deno.test("PATCH /products/:id: 404 for a missing product, 400 for an empty patch", async () => {
  await using t = await bootPlugin(UpdateProductPlugin);
  assert.equal((await t.http.request("PATCH", "/products/9", { name: "x" })).status, 404);
  assert.equal((await t.http.request("PATCH", "/products/9", {})).status, 400);
});
