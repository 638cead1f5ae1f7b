import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import CreateProductPlugin from "./create_product.ts";

Deno.test("POST /products stores, announces and logs the product", async () => {
  await using t = await bootPlugin(CreateProductPlugin);
  const res = await t.http.request("POST", "/products", { name: "Tea", price: 3, stock: 5 });
  assert.equal(res.status, 201);
  assert.deepEqual(res.body, { success: true, data: { id: 1 } });
  assert.deepEqual(await t.rows("SELECT name, price FROM products"), [{ name: "Tea", price: 3 }]);
  assert.deepEqual(t.bus.payloads("product.created"), [{ id: 1, name: "Tea", stock: 5 }]);
  assert.deepEqual(t.logs.messages("info"), ["product created"]);
});

Deno.test("POST /products rejects bad input and duplicate names", async () => {
  await using t = await bootPlugin(CreateProductPlugin);
  assert.equal((await t.http.request("POST", "/products", { name: "", price: -1 })).status, 400);
  await t.http.request("POST", "/products", { name: "Tea", price: 3 });
  assert.equal((await t.http.request("POST", "/products", { name: "Tea", price: 4 })).status, 409);
  assert.equal(t.bus.published.length, 1);
});

Deno.test("unloading releases the route", async () => {
  await using t = await bootPlugin(CreateProductPlugin);
  await t.unload();
  await t.assertReleased();
});
