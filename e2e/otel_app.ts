/**
 * A small app for `otel_test.ts`: the real http, db, event bus and telemetry tools wired by hand
 * (no kernel, no project), one route that reads the database and publishes an event whose
 * subscriber reads it too. Prints its URL. Run it with `OTEL_DENO=true` to export spans.
 * @module
 */
import type { ToolContext } from "@core";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import DbTool, { SqliteDriver } from "@tools/db/mod.ts";
import { EventBusTool } from "@tools/event_bus/mod.ts";
import HttpTool from "@tools/http/mod.ts";
import TelemetryTool from "@tools/telemetry/mod.ts";

const telemetry = new TelemetryTool({ traces: 0 });
const ctx = (): ToolContext => ({
  ...standaloneContext({}),
  tool: <T>(name: string) => (name === "telemetry" ? telemetry : undefined) as T,
});
telemetry.setup(ctx());
const http = new HttpTool();
http.setup(ctx());
const dbTool = new DbTool({ driver: () => new SqliteDriver({ path: ":memory:" }) });
await dbTool.setup(ctx());
const busTool = new EventBusTool();
await busTool.setup(ctx());

const owner = { id: "shop/orders", generation: 1, domain: "shop", file: "e2e/otel_app.ts" };
const api = http.forOwner(owner);
const db = dbTool.forOwner(owner);
const bus = busTool.forOwner(owner);
bus.respond("order.count", () => 1);
bus.subscribe("order.placed", async () => {
  await db.query("SELECT 2 AS delivered");
});
api.addEndpoint("/orders/:id", "POST", async (data) => {
  await db.query("SELECT $1 AS id", [data.id]);
  await bus.request("order.count", {});
  bus.publish("order.placed", { id: data.id });
  return { success: true };
});
http.activate(owner);
busTool.activate(owner);
// Exiting (rather than dying of the signal) flushes Deno's exporter, as main.ts's shutdown does.
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
console.log(await http.listen({ hostname: "127.0.0.1", port: 0 }));
