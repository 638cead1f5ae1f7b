import { BasePlugin } from "@core";
import type { Config } from "@tools/config/mod.ts";
import { failure, type Http, ok } from "@tools/http/mod.ts";
import type { Telemetry } from "@tools/telemetry/mod.ts";
import { z } from "zod";
import { adminToken, refuse } from "../access.ts";

const Query = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  id: z.string().min(1).max(200).optional(),
  failed: z.literal("true").optional(),
});

/**
 * `GET /system/traces`: the most recent causal trees, newest first — a request, the events it
 * published, their deliveries (and what those published), with durations and failures. Query:
 * `limit` (default 50), `id` (the tree holding that request or event id), `failed=true` (trees
 * with a 5xx or a failed delivery). Not public: loopback clients only, or, with
 * `SYSTEM_ADMIN_TOKEN` set, `Authorization: Bearer <token>`.
 */
export default class TracesPlugin extends BasePlugin {
  constructor(private http: Http, private telemetry: Telemetry, private config: Config) {
    super();
  }

  override onBoot() {
    const token = adminToken(this.config.get("SYSTEM_ADMIN_TOKEN"));
    this.http.addEndpoint("/system/traces", "GET", (data, ctx) => {
      const no = refuse(ctx, token);
      if (no) return no;
      const failed = data.failed === "true";
      const traces = this.telemetry.traces({ limit: data.limit, id: data.id, failed });
      return { success: true, data: { traces } };
    }, {
      query: Query,
      responses: {
        // Each tree: a request or an event, its children, durations and failures (causality.ts).
        200: ok(z.object({ traces: z.array(z.looseObject({ kind: z.string(), id: z.string() })) })),
        401: failure,
        403: failure,
      },
      tags: ["system"],
      summary: "Traces",
    });
  }
}
