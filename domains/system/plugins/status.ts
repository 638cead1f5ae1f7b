import { BasePlugin, type Status } from "@core";
import type { Http } from "@tools/http/mod.ts";

/**
 * `GET /system/status`: every tool and plugin with its state, error, domain, file, declared
 * tools and registrations (routes, subscriptions), plus reloads and heap.
 */
export default class StatusPlugin extends BasePlugin {
  constructor(private http: Http, private status: Status) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/system/status", "GET", () => ({
      success: true,
      data: this.status.snapshot(),
    }), { tags: ["system"], summary: "State of every tool and plugin" });
  }
}
