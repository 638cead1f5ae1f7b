import { z } from "zod";
import { defineContract } from "@tools/event_bus/mod.ts";

/** What the products domain announces. Payloads are checked in dev and test. */
export default defineContract({
  publishes: {
    /** A product was stored; `stock` is its initial quantity. */
    "product.created": z.object({
      id: z.number().int(),
      name: z.string(),
      stock: z.number().int().nonnegative(),
    }),
    /** A product was deleted. */
    "product.deleted": z.object({ id: z.number().int() }),
  },
});
