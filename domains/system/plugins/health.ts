import { BasePlugin } from "@core";
import { type Http, ok } from "@tools/http/mod.ts";
import { z } from "zod";

/** `GET /health`: liveness for load balancers and orchestrators. */
export default class HealthPlugin extends BasePlugin {
  constructor(private http: Http) {
    super();
  }

  override onBoot() {
    const startedAt = Date.now();
    this.http.addEndpoint("/health", "GET", () => ({
      success: true,
      data: { status: "ok", uptimeMs: Date.now() - startedAt },
    }), {
      responses: { 200: ok(z.object({ status: z.literal("ok"), uptimeMs: z.number() })) },
      tags: ["system"],
      summary: "Liveness check",
    });
  }
}
