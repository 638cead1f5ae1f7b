import { BasePlugin } from "@core";
import type { Config } from "@tools/config/mod.ts";
import { failure, type Http } from "@tools/http/mod.ts";
import { z } from "zod";
import { PROMETHEUS_TYPE, type Telemetry } from "@tools/telemetry/mod.ts";
import { adminToken, refuse } from "../access.ts";

/**
 * `GET /metrics`: every metric in the Prometheus text format (docs/observability.md lists
 * them). It shows the app's insides like `/system/*`, so the same rule applies: loopback clients
 * only, or, with `SYSTEM_ADMIN_TOKEN` set, `Authorization: Bearer <token>` (Prometheus:
 * `authorization: { credentials: <token> }` in the scrape config). 404 with
 * `TELEMETRY_METRICS=off`.
 */
export default class MetricsPlugin extends BasePlugin {
  constructor(private http: Http, private telemetry: Telemetry, private config: Config) {
    super();
  }

  override onBoot() {
    const token = adminToken(this.config.get("SYSTEM_ADMIN_TOKEN"));
    this.http.addEndpoint("/metrics", "GET", (_data, ctx) => {
      const no = refuse(ctx, token);
      if (no) return no;
      const text = this.telemetry.prometheus();
      if (text === undefined) {
        ctx.setStatus(404);
        return { success: false, error: "metrics are off (TELEMETRY_METRICS=off)" };
      }
      return new Response(text, { headers: { "content-type": PROMETHEUS_TYPE } });
    }, {
      // 200 is Prometheus text (a Response), not JSON: its schema documents the body as text.
      responses: { 200: z.string(), 401: failure, 403: failure, 404: failure },
      tags: ["system"],
      summary: "Metrics",
    });
  }
}
