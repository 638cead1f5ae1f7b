import { z } from "zod";
import { defineContract } from "@tools/event_bus/mod.ts";

/** What the users domain announces. */
export default defineContract({
  publishes: {
    /** An account was created (sent once the row commits). */
    "user.registered": z.object({ id: z.number().int(), email: z.string() }),
  },
});
