/**
 * The boot baseline: a bare Hono app with `n` routes like the generated plugins' ones
 * (`GET /gen/p0000` … answering `{ success, data: { v, label } }`), listening on `PORT`.
 *
 *   PORT=8000 deno run --allow-net=127.0.0.1 --allow-env=PORT bench/servers/hono_routes.ts 1000
 * @module
 */
import { Hono } from "@hono/hono";

const n = Number(Deno.args[0] ?? 10);
const app = new Hono();
for (let i = 0; i < n; i++) {
  const path = `/gen/p${String(i).padStart(4, "0")}`;
  app.get(path, (c) => c.json({ success: true, data: { v: "0", label: "m0" } }));
}
Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 8000), onListen() {} },
  app.fetch,
);
