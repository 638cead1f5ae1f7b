import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";

/**
 * Keeps a stock row per product: created on `product.created`, dropped on `product.deleted`.
 * The `inventory` group handles each event once across instances; the SQL is idempotent too, as
 * delivery is at least once.
 */
export default class TrackStockPlugin extends BasePlugin {
  constructor(private db: Db, private event_bus: EventBus) {
    super();
  }

  override onBoot() {
    this.event_bus.subscribe("product.created", async (e) => {
      await this.db.execute(
        "INSERT INTO stock (product_id, quantity) VALUES ($1, $2) ON CONFLICT (product_id) DO NOTHING",
        [e.payload.id, e.payload.stock],
      );
    }, { retries: 7, group: "inventory" }); // 0.1 s doubling to 6.4 s: rides out a ~12 s db outage
    this.event_bus.subscribe("product.deleted", async (e) => {
      await this.db.execute("DELETE FROM stock WHERE product_id = $1", [e.payload.id]);
    }, { retries: 7, group: "inventory" });
  }
}
