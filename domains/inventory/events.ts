import { z } from "zod";
import { defineContract } from "@tools/event_bus/mod.ts";

/** What the inventory domain announces and answers. */
export default defineContract({
  publishes: {
    /** Products below the low-stock threshold, found by the scheduled check at `at` (ISO time). */
    "inventory.low_stock": z.object({
      at: z.string(),
      products: z.array(z.object({ productId: z.number().int(), quantity: z.number().int() })),
    }),
  },
  responds: {
    /** The quantity in stock of a product (0 when it has no stock row). */
    "inventory.stock": {
      request: z.object({ productId: z.number().int() }),
      response: z.object({ quantity: z.number().int() }),
    },
  },
});
