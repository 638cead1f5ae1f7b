import { z } from "zod";
import { defineContract } from "@tools/event_bus/mod.ts";

export default defineContract({
  publishes: { "order.placed": z.object({ id: z.number() }) },
  responds: { "shop.count": { request: z.object({}), response: z.number() } },
});
