import { BasePlugin } from "@core";
import type { Config } from "@tools/config/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import { adminToken, refuse } from "../access.ts";
import { PAGE_CSS, PAGE_HTML, PAGE_JS } from "../page/assets.ts";

/** The page with its inline style and script, and a CSP allowing exactly those (by hash). */
async function page(): Promise<{ html: string; csp: string }> {
  const hash = async (text: string) => {
    const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(d)))}'`;
  };
  const csp = `default-src 'none'; script-src ${await hash(PAGE_JS)}; style-src ${await hash(
    PAGE_CSS,
  )}; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; ` +
    "frame-ancestors 'none'";
  return {
    html: PAGE_HTML.replace("{{CSS}}", () => PAGE_CSS).replace("{{JS}}", () => PAGE_JS),
    csp,
  };
}

/**
 * `GET /system`: the live system page — tools and plugins with their state and errors
 * (file:line), routes, the event flow drawn as a picture, recent reloads, live logs, request and
 * event rates, refreshed every 2 s from `/system/status`, `/system/events`, `/metrics` and
 * `/system/logs/stream`. Offline: one document, its style and script inline (allowed by hash in
 * its CSP), no outside URL. Loopback clients only; with `SYSTEM_ADMIN_TOKEN` set the page (which
 * holds no data) is served to anyone, and its requests carry the token given as
 * `/system#token=<token>` (a fragment never reaches a server).
 */
export default class SystemPagePlugin extends BasePlugin {
  constructor(private http: Http, private config: Config) {
    super();
  }

  override async onBoot() {
    const token = adminToken(this.config.get("SYSTEM_ADMIN_TOKEN"));
    const { html, csp } = await page();
    this.http.addEndpoint("/system", "GET", (_data, ctx) => {
      const no = token === undefined ? refuse(ctx, token) : undefined;
      if (no) return no;
      return new Response(html, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": csp,
          "cache-control": "no-cache",
        },
      });
    }, { tags: ["system"], summary: "Live page" });
  }
}
