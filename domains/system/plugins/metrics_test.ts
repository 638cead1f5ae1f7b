import assert from "node:assert/strict";
import { BasePlugin } from "@core";
import { bootPlugin } from "@microcore/testing";
import type { Config } from "@tools/config/mod.ts";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import TelemetryTool, { type Telemetry } from "@tools/telemetry/mod.ts";
import MetricsPlugin from "./metrics.ts";

let delivered = 0;
const SELECTS =
  'db_client_operation_duration_seconds_count{db_system_name="sqlite",db_operation_name="SELECT"}';

/** GET /items/:id reads the db and publishes item.viewed, whose subscriber fails on id 13. */
class Items extends BasePlugin {
  static override publishes = ["item.viewed"];
  constructor(
    private http: Http,
    private db: Db,
    private event_bus: EventBus,
    private telemetry: Telemetry,
    private config: Config,
  ) {
    super();
  }
  override onBoot() {
    new MetricsPlugin(this.http, this.telemetry, this.config).onBoot();
    this.http.addEndpoint("/items/:id", "GET", async (data) => {
      if (data.id === "boom") throw new Error("boom");
      const row = await this.db.queryOne("SELECT $1 AS id", [data.id]);
      this.event_bus.publish("item.viewed", { id: data.id });
      return { success: true, data: row };
    });
    this.event_bus.subscribe<{ id: string }>("item.viewed", (e) => {
      delivered++;
      if (e.payload.id === "13") throw new Error("unlucky");
    }, { retries: 1, backoffMs: 1 });
  }
}

async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(test(), "timed out");
}

/** The sample lines of `text` whose name and labels start with `prefix`. */
function lines(text: string, prefix: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(prefix));
}

Deno.test("GET /metrics: requests by method, route template and status class; db; bus; states", async () => {
  delivered = 0;
  await using t = await bootPlugin(Items, { id: "shop/items", domains: [] });
  const selects = (text: string) => Number(lines(text, `${SELECTS}`)[0]?.split(" ")[1] ?? 0);
  const before = selects(
    await (await t.http.fetch(new Request("http://test.local/metrics"))).text(),
  );
  for (const id of ["1", "2", "13"]) {
    assert.equal((await t.http.request("GET", `/items/${id}`)).status, 200);
  }
  assert.equal((await t.http.request("GET", "/items/boom")).status, 500);
  assert.equal((await t.http.request("GET", "/nowhere")).status, 404);
  await until(() => delivered === 4); // 1, 2, 13 and its retry
  await new Promise((r) => setTimeout(r, 10));
  const res = await t.http.fetch(new Request("http://test.local/metrics"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await res.text();
  const count = "http_server_request_duration_seconds_count";
  assert.deepEqual(lines(text, count).filter((l) => !l.includes("/metrics")), [
    `${count}{http_request_method="GET",http_route="/items/:id",http_response_status_class="2xx"} 3`,
    `${count}{http_request_method="GET",http_route="/items/:id",http_response_status_class="5xx"} 1`,
    `${count}{http_request_method="GET",http_response_status_class="4xx"} 1`,
  ]);
  assert.equal(
    lines(
      text,
      'http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/items/:id",http_response_status_class="2xx",le="+Inf"}',
    )[0],
    'http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/items/:id",http_response_status_class="2xx",le="+Inf"} 3',
  );
  assert.deepEqual(lines(text, "http_server_active_requests"), ["http_server_active_requests 1"]);
  assert.equal(lines(text, "http_server_request_duration_seconds_count").length, 4, "and /metrics");
  assert.equal(selects(text) - before, 3, "the three reads of the route");
  const dest = 'messaging_system="microcore",messaging_destination_name="item.viewed"';
  assert.deepEqual(
    [
      "messaging_client_sent_messages_total",
      "messaging_client_consumed_messages_total",
      "microcore_bus_delivery_failures_total",
      "microcore_bus_delivery_retries_total",
      "microcore_bus_dead_letters_total",
    ].map((n) => lines(text, `${n}{${dest}}`)[0]),
    [
      `messaging_client_sent_messages_total{${dest}} 3`,
      `messaging_client_consumed_messages_total{${dest}} 2`,
      `microcore_bus_delivery_failures_total{${dest}} 1`,
      `microcore_bus_delivery_retries_total{${dest}} 1`,
      `microcore_bus_dead_letters_total{${dest}} 1`,
    ],
  );
  assert.ok(lines(text, 'microcore_components{kind="plugin",state="ready"} ').length === 1);
  assert.deepEqual(lines(text, 'microcore_plugin_reloads_total{plugin="shop/items"}'), [
    'microcore_plugin_reloads_total{plugin="shop/items"} 0',
  ]);
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
  assert.deepEqual(lines(text, "microcore_reload_failures_total"), [
    "microcore_reload_failures_total 0",
  ]);
  await promtool(text);
});

/** Debian's `promtool check metrics` reads `text` (skipped, saying so, where it is missing). */
async function promtool(text: string): Promise<void> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    console.warn("promtool not installed (apt-get install -y prometheus): format check skipped");
    return;
  }
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(text));
  await w.close();
  const out = await child.output();
  const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `promtool check metrics:\n${said}`);
  assert.equal(said.trim(), "", `promtool has lint remarks:\n${said}`);
}

Deno.test("TELEMETRY_METRICS=off: /metrics is 404 and nothing is counted", async () => {
  const telemetry = new TelemetryTool({ metrics: false });
  await using t = await bootPlugin(Items, { id: "shop/items", domains: [], tools: { telemetry } });
  assert.equal((await t.http.request("GET", "/items/1")).status, 200);
  const res = await t.http.request("GET", "/metrics");
  assert.equal(res.status, 404);
  assert.deepEqual(res.body, { success: false, error: "metrics are off (TELEMETRY_METRICS=off)" });
  assert.equal(telemetry.metrics, undefined);
  assert.equal(telemetry.prometheus(), undefined);
});
