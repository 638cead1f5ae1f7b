import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Scheduler } from "@tools/scheduler/mod.ts";

/** Below this quantity a product is low on stock. */
export const LOW_STOCK_BELOW = 5;

/**
 * Every minute (once across instances), looks for products low on stock and publishes
 * `inventory.low_stock` with them; publishes nothing when none is low.
 */
export default class LowStockPlugin extends BasePlugin {
  constructor(private db: Db, private event_bus: EventBus, private scheduler: Scheduler) {
    super();
  }

  override onBoot() {
    this.scheduler.every("low-stock", 60_000, async (run) => {
      const low = await this.db.query<{ product_id: number; quantity: number }>(
        "SELECT product_id, quantity FROM stock WHERE quantity < $1 ORDER BY product_id",
        [LOW_STOCK_BELOW],
      );
      if (low.length === 0) return;
      await this.event_bus.publish("inventory.low_stock", {
        at: new Date(run.slot).toISOString(),
        products: low.map((r) => ({ productId: r.product_id, quantity: r.quantity })),
      });
    });
  }
}
