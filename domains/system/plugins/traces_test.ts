import assert from "node:assert/strict";
import { BasePlugin } from "@core";
import { bootPlugin } from "@microcore/testing";
import type { Config } from "@tools/config/mod.ts";
import type { Envelope, EventBus } from "@tools/event_bus/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import TelemetryTool, { type Telemetry, type TraceView } from "@tools/telemetry/mod.ts";
import TracesPlugin from "./traces.ts";

const seen: Envelope[] = [];

/** A shop: POST /orders publishes order.placed; its subscriber publishes mail.queued, whose fails. */
class Shop extends BasePlugin {
  static override publishes = ["order.placed", "mail.queued"];
  constructor(
    private http: Http,
    private event_bus: EventBus,
    private telemetry: Telemetry,
    private config: Config,
  ) {
    super();
  }
  override onBoot() {
    new TracesPlugin(this.http, this.telemetry, this.config).onBoot();
    this.http.addEndpoint("/orders", "POST", () => {
      this.event_bus.publish("order.placed", { id: 1 });
      return { success: true };
    });
    this.event_bus.subscribe("order.placed", (e) => {
      seen.push(e);
      this.event_bus.publish("mail.queued", { to: "a@b.c" });
    });
    this.event_bus.subscribe("mail.queued", (e) => {
      seen.push(e);
      throw new Error("smtp down");
    });
  }
}

async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(test(), "timed out");
}

/** Drop the times (they vary) from a tree. */
function shape(v: TraceView): unknown {
  const { start: _s, ms, children, ...rest } = v;
  return {
    ...rest,
    timed: typeof ms === "number",
    ...(children ? { children: children.map(shape) } : {}),
  };
}

Deno.test("GET /system/traces: request → event → delivery → event → failed delivery, ids chained", async () => {
  seen.length = 0;
  await using t = await bootPlugin(Shop, { id: "shop/orders", domains: [] });
  const res = await t.http.fetch(
    new Request("http://test.local/orders", { method: "POST", headers: { "x-request-id": "r-1" } }),
  );
  assert.equal(res.status, 200);
  await until(() => seen.length === 2);
  const [placed, mail] = seen;
  const rid = res.headers.get("x-request-id");
  const got = await t.http.request("GET", "/system/traces");
  assert.equal(got.status, 200);
  const traces: TraceView[] = got.body.data.traces;
  assert.equal(traces.length, 1, "the /system/traces request itself is not traced");
  const root = traces[0];
  assert.equal(root.id, rid, "the root is the request id");
  assert.equal(placed.parentId, root.id, "the event names the request");
  assert.equal(mail.parentId, placed.id, "the event published by a subscriber names that event");
  assert.deepEqual(shape(root), {
    kind: "request",
    id: root.id,
    name: "POST /orders",
    owner: "shop/orders",
    status: 200,
    timed: true,
    children: [{
      kind: "event",
      id: placed.id,
      name: "order.placed",
      owner: "shop/orders",
      timed: true,
      children: [{
        kind: "delivery",
        id: placed.id,
        name: "order.placed",
        owner: "shop/orders",
        attempts: 1,
        timed: true,
        children: [{
          kind: "event",
          id: mail.id,
          name: "mail.queued",
          owner: "shop/orders",
          timed: true,
          children: [{
            kind: "delivery",
            id: mail.id,
            name: "mail.queued",
            owner: "shop/orders",
            attempts: 1,
            error: "smtp down",
            timed: true,
          }],
        }],
      }],
    }],
  });
  const failed = await t.http.request("GET", "/system/traces?failed=true");
  assert.equal(failed.body.data.traces.length, 1);
  const byId = await t.http.request("GET", `/system/traces?id=${mail.id}`);
  assert.equal(byId.body.data.traces[0].id, root.id);
  const none = await t.http.request("GET", "/system/traces?id=nope");
  assert.deepEqual(none.body.data.traces, []);
});

Deno.test("traces off (TELEMETRY_TRACES=0): no trees, and events carry no parentId", async () => {
  seen.length = 0;
  await using t = await bootPlugin(Shop, {
    id: "shop/orders",
    domains: [],
    tools: { telemetry: new TelemetryTool({ traces: 0 }) },
  });
  const res = await t.http.request("POST", "/orders");
  assert.equal(res.status, 200);
  await until(() => seen.length === 2);
  assert.deepEqual(seen.map((e) => "parentId" in e), [false, false]);
  const got = await t.http.request("GET", "/system/traces");
  assert.deepEqual(got.body, { success: true, data: { traces: [] } });
});
