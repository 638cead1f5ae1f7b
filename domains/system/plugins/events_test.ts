import assert from "node:assert/strict";
import { BasePlugin, type Status } from "@core";
import { bootPlugin } from "@microcore/testing";
import type { Config } from "@tools/config/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import EventsPlugin from "./events.ts";

/** Declares order.placed and order.cancelled; publishes the first; listens to order.*. */
class Orders extends BasePlugin {
  static override publishes = ["order.placed", "order.cancelled"];
  constructor(
    private http: Http,
    private event_bus: EventBus,
    private status: Status,
    private config: Config,
  ) {
    super();
  }
  override onBoot() {
    new EventsPlugin(this.http, this.status, this.config).onBoot();
    this.event_bus.subscribe("order.*", () => {});
    this.event_bus.respond("order.count", () => 1);
  }
  place() {
    this.event_bus.publish("order.placed", { id: 1 });
  }
}

Deno.test("GET /system/events: declared events before they fire, emitters, subscribers, responder, counts", async () => {
  await using t = await bootPlugin(Orders, { id: "shop/orders", domains: [] });
  t.plugin.place();
  t.plugin.place();
  for (let i = 0; i < 100; i++) {
    const r = await t.http.request("GET", "/system/events");
    const placed = r.body.data.events.find((e: { name: string }) => e.name === "order.placed");
    if (placed?.delivered === 2) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const res = await t.http.request("GET", "/system/events");
  assert.equal(res.status, 200);
  const zero = { published: 0, delivered: 0, failed: 0, errors: 0, deadLettered: 0 };
  assert.deepEqual(res.body.data.events, [
    {
      name: "order.cancelled",
      declaredBy: ["shop/orders"],
      emitters: [],
      subscribers: ["shop/orders"],
      ...zero,
    },
    {
      name: "order.count",
      declaredBy: [],
      emitters: [],
      subscribers: ["shop/orders"],
      ...zero,
      responder: "shop/orders",
    },
    {
      name: "order.placed",
      declaredBy: ["shop/orders"],
      emitters: ["shop/orders"],
      subscribers: ["shop/orders"],
      ...zero,
      published: 2,
      delivered: 2,
    },
  ]);
});
