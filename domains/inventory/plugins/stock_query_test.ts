import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import StockQueryPlugin from "./stock_query.ts";

Deno.test("answers inventory.stock from the stock table (0 when unknown)", async () => {
  await using t = await bootPlugin(StockQueryPlugin);
  await t.db.execute("INSERT INTO stock (product_id, quantity) VALUES ($1, $2)", [7, 3]);
  assert.deepEqual(await t.bus.request("inventory.stock", { productId: 7 }), { quantity: 3 });
  assert.deepEqual(await t.bus.request("inventory.stock", { productId: 8 }), { quantity: 0 });
});

Deno.test("unloading removes the responder", async () => {
  await using t = await bootPlugin(StockQueryPlugin);
  await t.unload();
  await t.assertReleased();
  await assert.rejects(t.bus.request("inventory.stock", { productId: 7 }), /no plugin responds/);
});
