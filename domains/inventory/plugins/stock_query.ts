import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";

/** Answers `inventory.stock` requests: `{ productId }` → `{ quantity }`. */
export default class StockQueryPlugin extends BasePlugin {
  constructor(private db: Db, private event_bus: EventBus) {
    super();
  }

  override onBoot() {
    // Typed by domains/inventory/events.ts: the handler gets the request's envelope.
    this.event_bus.respond("inventory.stock", async ({ payload }) => {
      const row = await this.db.queryOne<{ quantity: number }>(
        "SELECT quantity FROM stock WHERE product_id = $1",
        [payload.productId],
      );
      return { quantity: row?.quantity ?? 0 };
    });
  }
}
