import { BasePlugin, type Status } from "@core";
import type { Config } from "@tools/config/mod.ts";
import { failure, type Http, ok } from "@tools/http/mod.ts";
import { z } from "zod";
import { adminToken, refusal } from "../access.ts";

/** One tool or plugin as `/system/status` shows it (tools add their own fields). */
const Entry = z.looseObject({
  kind: z.enum(["tool", "plugin"]),
  id: z.string(),
  state: z.string(),
});

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
    }, {
      responses: {
        200: ok(z.object({ summary: z.record(z.string(), z.unknown()), entries: z.array(Entry) })),
        401: failure,
        403: failure,
      },
      tags: ["system"],
      summary: "Every tool and plugin, with its state",
    });
  }
}
