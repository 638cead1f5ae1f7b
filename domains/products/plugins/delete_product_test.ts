import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import DeleteProductPlugin from "./delete_product.ts";

Deno.test("DELETE /products/:id removes the product and announces it once", async () => {
  await using t = await bootPlugin(DeleteProductPlugin);
  await t.db.execute("INSERT INTO products (name, price) VALUES ($1, $2)", ["Tea", 3]);
  assert.equal((await t.http.request("DELETE", "/products/1")).status, 200);
  assert.deepEqual(await t.rows("SELECT * FROM products"), []);
  assert.equal((await t.http.request("DELETE", "/products/1")).status, 404);
  assert.deepEqual(t.bus.payloads("product.deleted"), [{ id: 1 }]);
});

Deno.test("unloading releases DELETE /products/:id", async () => {
  await using t = await bootPlugin(DeleteProductPlugin);
  await t.unload();
  await t.assertReleased();
});
