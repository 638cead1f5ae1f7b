/**
 * `assertReleased`: what it reports as still held by an unloaded plugin, and nothing else.
 */
import assert from "node:assert/strict";
import { BasePlugin } from "@core";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Http, RouteInfo } from "@tools/http/mod.ts";
import { assertReleased, bootPlugin, LeakError } from "./mod.ts";

class Holder extends BasePlugin {
  constructor(private http: Http, private event_bus: EventBus) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/orders/:id", "GET", () => ({ success: true }));
    this.event_bus.subscribe("order.*", () => {});
    this.event_bus.respond("order.total", () => 0);
  }
}

Deno.test("assertReleased lists all the plugin holds, and nothing the test itself holds", async () => {
  await using t = await bootPlugin(Holder);
  t.bus.respondTo("price.of", () => 1); // the test's own responder and dead-letter subscription
  const err = await t.assertReleased().catch((e) => e);
  assert.ok(err instanceof LeakError);
  assert.equal(err.name, "LeakError");
  const leaks = [
    "the kernel still serves it (unload it first)",
    "an entry in the status registry",
    'http: routes [{"method":"GET","path":"/orders/{id}","kind":"endpoint"}]',
    'event_bus: subscribes ["order.*"]',
    'event_bus: responds ["order.total"]',
    'event_bus: subscription "order.*"',
    'event_bus: responder "order.total"',
  ];
  assert.deepEqual(err.leaks, leaks);
  assert.equal(
    err.message,
    `plugin test/holder is unloaded but still holds:\n  - ${leaks.join("\n  - ")}`,
  );

  await t.unload();
  await t.assertReleased();
  // Routes given or not, a released plugin passes (its route now answers 404).
  await assertReleased(t.kernel, t.id);
  await assertReleased(t.kernel, t.id, [{ method: "GET", path: "/orders/{id}", kind: "endpoint" }]);
});

/** An http tool whose routes outlive their plugin: every request is recorded and answered. */
function stickyHttp(routes: RouteInfo[], answers: Record<string, number>) {
  const asked: string[] = [];
  let released = false;
  const tool = {
    name: "http",
    forOwner: () => ({}),
    release: () => void (released = true),
    describeOwner: () => (released ? undefined : { routes }),
    fetch(req: Request) {
      const call = `${req.method} ${new URL(req.url).pathname}`;
      asked.push(call);
      const status = answers[call] ?? 404;
      return Promise.resolve(new Response(status === 204 ? null : "still here", { status }));
    },
  };
  return { tool, asked };
}

Deno.test("assertReleased asks each route the plugin had, with a sample path", async () => {
  const routes: RouteInfo[] = [
    { method: "GET", path: "/docs/{slug}/v/{version}", kind: "endpoint" },
    { method: "DELETE", path: "/items/:item_id{[0-9]+}/tags/:tag?", kind: "endpoint" },
    { method: "POST", path: "/orders", kind: "endpoint" },
    { method: "ALL", path: "/any", kind: "endpoint" },
    { method: "POST", path: "/feed", kind: "sse" },
    { method: "GET", path: "/gone", kind: "endpoint" },
  ];
  const { tool, asked } = stickyHttp(routes, {
    "GET /docs/1/v/1": 200,
    "DELETE /items/1/tags/1": 204,
    "POST /orders": 500,
    "GET /any": 405,
  });
  class UsesHttp extends BasePlugin {
    constructor(private http: unknown) {
      super();
    }
  }
  await using t = await bootPlugin(UsesHttp, { tools: { http: tool } });
  await t.unload();
  const err = await t.assertReleased().catch((e) => e);
  assert.deepEqual(asked, [
    "GET /docs/1/v/1",
    "DELETE /items/1/tags/1",
    "POST /orders",
    "GET /any",
    "GET /feed",
    "GET /gone",
  ]);
  assert.ok(err instanceof LeakError);
  assert.deepEqual(err.leaks, [
    "http: GET /docs/1/v/1 still answers 200",
    "http: DELETE /items/1/tags/1 still answers 204",
    "http: POST /orders still answers 500",
  ]);
});

Deno.test("assertReleased reports what a tool's describeOwner still holds, or throws", async () => {
  const odd = (name: string, describeOwner: () => Record<string, unknown> | undefined) => ({
    name,
    forOwner: () => ({}),
    describeOwner,
  });
  const tools = {
    cache: odd("cache", () => ({
      empty: [],
      none: undefined,
      nil: null,
      keys: ["k1"],
      count: 0,
      warm: false,
      size: { bytes: 2 },
    })),
    grumpy: odd("grumpy", () => {
      throw new Error("no idea");
    }),
    terse: odd("terse", () => {
      throw "just a string";
    }),
    silent: odd("silent", () => {
      throw null;
    }),
  };
  class Plain extends BasePlugin {}
  await using t = await bootPlugin(Plain, { tools });
  await t.unload();
  const err = await t.assertReleased().catch((e) => e);
  assert.ok(err instanceof LeakError);
  assert.deepEqual(err.leaks, [
    'cache: keys ["k1"]',
    "cache: count 0",
    "cache: warm false",
    'cache: size {"bytes":2}',
    "grumpy: describeOwner threw no idea",
    "terse: describeOwner threw just a string",
    "silent: describeOwner threw null",
  ]);
});

Deno.test("assertReleased without an event bus, or an http tool that cannot be asked", async () => {
  const route: RouteInfo = { method: "GET", path: "/orders/{id}", kind: "endpoint" };
  class Plain extends BasePlugin {}
  {
    await using t = await bootPlugin(Plain, { tools: { http: null, event_bus: null } });
    await t.unload();
    await assertReleased(t.kernel, t.id, [route]);
  }
  {
    // A plain value in place of the http tool: nothing to send the routes to.
    await using t = await bootPlugin(Plain, { tools: { http: { addEndpoint() {} } } });
    await t.unload();
    await assertReleased(t.kernel, t.id, [route]);
  }
});
