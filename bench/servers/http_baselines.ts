/**
 * The HTTP baselines: the same two routes as the bench plugins, on a bare Hono app or on a raw
 * `Deno.serve` handler. Prints `PORT <n>` once listening.
 *
 *   deno run --allow-net=127.0.0.1 bench/servers/http_baselines.ts hono|hono-rid|hono-secure|raw
 * @module
 */
import { Hono } from "@hono/hono";
import { requestId } from "@hono/hono/request-id";
import { Item } from "../fixtures/item.ts";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

/** The security headers the kernel sends on every response (tools/http/secure_headers.ts). */
const SECURE = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
} as const;

/**
 * `withRequestId`: Hono's own request-id middleware (like-for-like with HTTP_REQUEST_ID=always).
 * `secure`: the same three security headers as the kernel, passed to `c.json` (the cheapest way
 * in Hono; its `secureHeaders()` middleware sends a dozen and costs more): like-for-like with
 * the kernel's defaults.
 */
function hono(withRequestId = false, secure = false): Deno.ServeHandler {
  const app = new Hono();
  if (withRequestId) app.use(requestId());
  const headers = secure ? SECURE : undefined;
  app.get("/hello", (c) => c.json({ success: true, message: "hi" }, 200, headers));
  app.post("/items", async (c) => {
    const r = Item.safeParse(await c.req.json());
    if (!r.success) return c.json({ success: false, error: r.error.message }, 400, headers);
    return c.json({ success: true, data: r.data }, 200, headers);
  });
  return app.fetch;
}

function raw(): Deno.ServeHandler {
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
  return async (req) => {
    const path = req.url.slice(req.url.indexOf("/", 8));
    if (req.method === "GET" && path === "/hello") return json({ success: true, message: "hi" });
    if (req.method === "POST" && path === "/items") {
      let body: unknown;
      try {
        body = await req.json();
      } catch {
        return json({ success: false, error: "invalid JSON" }, 400);
      }
      const r = Item.safeParse(body);
      if (!r.success) return json({ success: false, error: r.error.message }, 400);
      return json({ success: true, data: r.data });
    }
    return json({ success: false, error: "not found" }, 404);
  };
}

const kind = Deno.args[0];
const handler = kind === "raw" ? raw() : hono(kind === "hono-rid", kind === "hono-secure");
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
console.log(`PORT ${server.addr.port}`);
