import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import TrackStockPlugin from "./track_stock.ts";

Deno.test("product.created adds a stock row once; product.deleted drops it", async () => {
  await using t = await bootPlugin(TrackStockPlugin);
  await t.bus.deliver("product.created", { id: 7, stock: 3 });
  await t.bus.deliver("product.created", { id: 7, stock: 9 }); // a redelivery changes nothing
  assert.deepEqual(await t.rows("SELECT product_id, quantity FROM stock"), [
    { product_id: 7, quantity: 3 },
  ]);
  await t.bus.deliver("product.deleted", { id: 7 });
  assert.deepEqual(await t.rows("SELECT * FROM stock"), []);
});

Deno.test("unloading removes both subscriptions", async () => {
  await using t = await bootPlugin(TrackStockPlugin);
  await t.unload();
  await t.assertReleased();
  await t.bus.deliver("product.created", { id: 1 });
  assert.deepEqual(await t.rows("SELECT * FROM stock"), []);
});
