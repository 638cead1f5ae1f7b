import { BasePlugin } from "@core";
import type { Http } from "@tools/http/mod.ts";

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
    }), { tags: ["system"], summary: "Liveness check" });
  }
}
