import { BasePlugin, type Status } from "@core";
import type { Config } from "@tools/config/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import { adminToken, refusal } from "../access.ts";

/**
 * `GET /system/status`: every tool and plugin with its state, error, domain, file, declared
 * tools and registrations (routes, subscriptions), plus reloads and heap. Not public: loopback
 * clients only, or, with `SYSTEM_ADMIN_TOKEN` set, `Authorization: Bearer <token>` (access.ts).
 */
export default class StatusPlugin extends BasePlugin {
  constructor(private http: Http, private status: Status, private config: Config) {
    super();
  }

  override onBoot() {
    const token = adminToken(this.config.get("SYSTEM_ADMIN_TOKEN"));
    this.http.addEndpoint("/system/status", "GET", (_data, ctx) => {
      const no = refusal(ctx.remoteAddr, ctx.headers.get("authorization"), token, ctx.headers);
      if (no) {
        ctx.setStatus(no.status);
        if (no.status === 401) ctx.setHeader("www-authenticate", 'Bearer realm="system"');
        return { success: false, error: no.error };
      }
      return { success: true, data: this.status.snapshot() };
    }, { tags: ["system"], summary: "State of every tool and plugin (loopback or admin token)" });
  }
}
