import { z } from "zod";
import { defineContract } from "../../contracts.ts";

export default defineContract({
  publishes: { "order.placed": z.object({ id: z.number().int(), total: z.number() }) },
  responds: {
    "shop.price": {
      request: z.object({ sku: z.string() }),
      response: z.object({ cents: z.number().int() }),
    },
  },
});
