import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import LowStockPlugin from "./low_stock.ts";

Deno.test("every minute, publishes the products low on stock; nothing when none is", async () => {
  await using t = await bootPlugin(LowStockPlugin, { now: "2026-01-01T00:00:10Z" });
  await t.db.execute("INSERT INTO stock (product_id, quantity) VALUES (1, 2), (2, 9), (3, 0)");
  await t.clock.advance(50_000);
  assert.deepEqual(t.bus.payloads("inventory.low_stock"), [{
    at: "2026-01-01T00:01:00.000Z",
    products: [{ productId: 1, quantity: 2 }, { productId: 3, quantity: 0 }],
  }]);
  await t.db.execute("UPDATE stock SET quantity = 10");
  await t.clock.advance(60_000);
  assert.equal(t.bus.payloads("inventory.low_stock").length, 1); // none low: nothing more
});

Deno.test("a failing check is logged at the plugin's file and line", async () => {
  await using t = await bootPlugin(LowStockPlugin, { domains: [] }); // no stock table
  await t.clock.advance(60_000);
  const [line] = t.logs.all.filter((r) => r.level === "error").map((r) => r.message);
  assert.match(
    line,
    /^scheduled job low-stock failed in inventory\/low_stock \(domains\/inventory\/plugins\/low_stock\.ts:\d+:\d+\): .*stock/,
  );
  assert.equal(t.bus.payloads("inventory.low_stock").length, 0);
});

Deno.test("unloading stops the check", async () => {
  await using t = await bootPlugin(LowStockPlugin);
  await t.db.execute("INSERT INTO stock (product_id, quantity) VALUES (1, 0)");
  await t.unload();
  await t.assertReleased();
  await t.clock.advance(10 * 60_000);
  assert.deepEqual(t.bus.payloads("inventory.low_stock"), []);
});
