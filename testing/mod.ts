/**
 * The MicroCoreOS test kit (`@microcore/testing`): test one plugin file with `deno test`, in
 * milliseconds, without a server, a port or a database file.
 *
 * {@link bootPlugin} boots the plugin inside a real kernel (mode `test`), so injection, errors,
 * `onBoot` and ownership behave exactly as in production. The tools are the real ones, made
 * hermetic — the in-process http tool called through `fetch(Request)`, an in-memory SQLite with
 * the domain's migrations, the in-process event bus, the memory state store, config from a
 * plain object — except the logger, which captures records in memory. Any tool can be
 * replaced by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootPlugin } from "@microcore/testing";
 * import GetProductPlugin from "./get_product.ts";
 *
 * Deno.test("GET /products/:id answers with the stock from inventory", async () => {
 *   await using t = await bootPlugin(GetProductPlugin);
 *   await t.db.execute("INSERT INTO products (name, price) VALUES ($1, $2)", ["Tea", 3]);
 *   t.bus.respondTo("inventory.stock", () => ({ quantity: 5 }));
 *   const res = await t.http.request("GET", "/products/1");
 *   assert.equal(res.body.data.stock, 5);
 *   await t.unload();
 *   await t.assertReleased(); // no route, subscription or responder of it is left
 * });
 * ```
 * @module
 */
export { type BootOptions, bootPlugin, PluginBootError, PluginTest } from "./boot_plugin.ts";
export { type HttpReply, TestHttp } from "./http.ts";
export {
  type DeadLetter,
  DeliveryError,
  type Envelope,
  type PublishedEvent,
  RecordingEventBus,
  TEST_OWNER,
  TestBus,
} from "./bus.ts";
export { CaptureLoggerTool, PluginLogs } from "./logger.ts";
export { assertReleased, LeakError } from "./released.ts";
export { asTool, testTools } from "./tools.ts";
export { TestClock, TestJobs } from "./jobs.ts";
export {
  type LogLine,
  recordingLog,
  standaloneContext,
  type StandaloneOptions,
} from "./standalone.ts";
