import assert from "node:assert/strict";
import { mock } from "node:test";
import { BasePlugin } from "@core";
import type { Config } from "@tools/config/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import type { Logger } from "@tools/logger/mod.ts";
import type { State } from "@tools/state/mod.ts";
import CreateProductPlugin from "../domains/products/plugins/create_product.ts";
import { bootPlugin, DeliveryError, LeakError, PluginBootError, type PluginTest } from "./mod.ts";

class Greeter extends BasePlugin {
  constructor(
    private http: Http,
    private config: Config,
    private state: State,
    private logger: Logger,
  ) {
    super();
  }
  override onBoot() {
    const greeting = this.config.get("GREETING", "hello");
    this.logger.info("ready");
    this.http.addEndpoint("/greet/:name", "GET", async ({ name }, ctx) => {
      const n = await this.state.increment("greeted");
      ctx.setHeader("x-count", String(n));
      return { success: true, data: `${greeting} ${name}`, loud: ctx.query.loud ?? null };
    });
  }
}

Deno.test("boots a class declared in the test, with config and state; calls its route", async () => {
  await using t = await bootPlugin(Greeter, { config: { GREETING: "hi" } });
  assert.equal(t.id, "test/greeter");
  assert.equal(t.status?.state, "ready");
  assert.deepEqual(t.status?.tools, ["http", "config", "state", "logger"]);
  const res = await t.http.request("GET", "/greet/ann", { loud: "yes" });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { success: true, data: "hi ann", loud: "yes" });
  assert.equal(res.headers.get("x-count"), "1");
  assert.equal(await t.state.get("greeted"), 1);
  assert.deepEqual(t.logs.messages(), ["ready"]);
  assert.ok(t.logs.all.some((r) => r.owner === "db"), "tools' records are kept apart");
  assert.deepEqual(t.http.routes().map((r) => `${r.method} ${r.path}`), ["GET /greet/{name}"]);
  assert.ok(t.plugin instanceof Greeter);
});

Deno.test("a plugin file boots under its kernel id, with its domain's migrations", async () => {
  const file = new URL("../domains/products/plugins/list_products.ts", import.meta.url);
  await using t = await bootPlugin(file);
  assert.equal(t.id, "products/list_products");
  assert.equal(t.file, "domains/products/plugins/list_products.ts");
  assert.deepEqual(await t.rows("SELECT COUNT(*) AS n FROM products"), [{ n: 0 }]);
});

Deno.test("a class away from its file takes `id`, and with it the domain's migrations", async () => {
  await using t = await bootPlugin(CreateProductPlugin, { id: "products/create_product" });
  assert.equal((await t.http.request("POST", "/products", { name: "a", price: 1 })).status, 201);
  const opts = { id: "products/create_product", domains: [] };
  await using empty = await bootPlugin(CreateProductPlugin, opts);
  assert.equal(
    (await empty.http.request("POST", "/products", { name: "a", price: 1 })).status,
    500,
  );
  assert.match(empty.logs.all.at(-2)?.message ?? "", /no such table: products/);
});

Deno.test("injection errors are the kernel's own", async () => {
  class Typo extends BasePlugin {
    constructor(private htp: Http) {
      super();
    }
  }
  const err = await bootPlugin(Typo).catch((e) => e);
  assert.ok(err instanceof PluginBootError);
  assert.match(err.message, /unknown tool "htp".*Did you mean "http"\?.*Available tools: /);
  const removed = await bootPlugin(Greeter, { tools: { state: null } }).catch((e) => e);
  assert.match(removed.message, /unknown tool "state"/);
  class Boom extends BasePlugin {
    override onBoot() {
      throw new Error("boom");
    }
  }
  await assert.rejects(bootPlugin(Boom), /plugin test\/boom failed to boot: .*boom/);
});

Deno.test("any tool can be replaced: a plain value (here a node:test mock) is injected", async () => {
  const send = mock.fn((_to: string) => {});
  class Mailer extends BasePlugin {
    constructor(private mail: { send(to: string): void }, private event_bus: EventBus) {
      super();
    }
    override onBoot() {
      this.event_bus.subscribe<{ to: string }>("user.joined", (e) => this.mail.send(e.payload.to));
    }
  }
  await using t = await bootPlugin(Mailer, { tools: { mail: { send } } });
  await t.bus.deliver("user.joined", { to: "a@b.c" });
  assert.deepEqual(send.mock.calls.map((c) => c.arguments), [["a@b.c"]]);
});

class Echo extends BasePlugin {
  /** Calls of the flaky subscriber, and runs of the slow one that finished. */
  calls = { flaky: 0, slowDone: 0 };
  constructor(private event_bus: EventBus) {
    super();
  }
  override onBoot() {
    this.event_bus.subscribe<{ ok: boolean }>("job.run", (e) => {
      if (!e.payload.ok) throw new Error("job failed");
      this.event_bus.publish("job.done", { ok: true }, { correlationId: e.correlationId });
    });
    // Fails its first two attempts unless told to always fail; 2 retries, 10 ms apart.
    this.event_bus.subscribe<{ always: boolean }>("job.flaky", (e) => {
      if (++this.calls.flaky <= 2 || e.payload.always) throw new Error("flaky failed");
    }, { retries: 2, backoffMs: 10 });
    // Finishes after a timer: deliver must wait for it.
    this.event_bus.subscribe("job.slow", async () => {
      await new Promise((r) => setTimeout(r, 30));
      this.calls.slowDone++;
    });
    this.event_bus.respond<number, number>("double", ({ payload }) => payload * 2);
  }
}

Deno.test("bus: deliver waits for subscribers, records publishes, surfaces failures", async () => {
  await using t = await bootPlugin(Echo);
  await t.bus.deliver("job.run", { ok: true }, { correlationId: "c1" });
  assert.deepEqual(t.bus.published, [
    { name: "job.done", payload: { ok: true }, source: "test/echo", correlationId: "c1" },
  ]);
  const err = await t.bus.deliver("job.run", { ok: false }).catch((e) => e);
  assert.ok(err instanceof DeliveryError);
  assert.match(err.message, /subscriber test\/echo failed on "job.run".*job failed/);
  assert.equal(await t.bus.request("double", 21), 42);
  assert.throws(() => t.bus.respondTo("double", () => 0), /already has a responder/);
  t.bus.clear();
  assert.deepEqual(t.bus.published, []);
});

Deno.test("bus: deliver waits for async handlers and for every retry", async () => {
  await using t = await bootPlugin(Echo);
  const calls = (t.plugin as Echo).calls;
  await t.bus.deliver("job.slow");
  assert.equal(calls.slowDone, 1, "an async handler with a timer finished before deliver returned");

  await t.bus.deliver("job.flaky", { always: false });
  assert.equal(calls.flaky, 3, "two failed attempts, then the retry that succeeded");
  assert.deepEqual(t.bus.deadLetters, []);

  calls.flaky = 0;
  const err = await t.bus.deliver("job.flaky", { always: true }).catch((e) => e);
  assert.ok(err instanceof DeliveryError, "a subscriber that fails every retry rejects deliver");
  assert.equal(calls.flaky, 3, "rejected only after all 3 attempts ran");
  assert.match(err.message, /after 3 attempt\(s\): flaky failed/);
});

Deno.test("assertReleased passes after unload and names what a leaky tool still holds", async () => {
  const leaky = {
    name: "leaky",
    forOwner: () => ({}),
    describeOwner: (id: string) => ({ things: [`${id}:1`] }),
  };
  class Uses extends BasePlugin {
    constructor(private leaky: unknown, private event_bus: EventBus) {
      super();
    }
    override onBoot() {
      this.event_bus.subscribe("x", () => {});
    }
  }
  await using t = await bootPlugin(Uses, { tools: { leaky } });
  await assert.rejects(t.assertReleased(), /still serves it/);
  await t.unload();
  const err = await t.assertReleased().catch((e) => e);
  assert.ok(err instanceof LeakError);
  assert.deepEqual(err.leaks, ['leaky: things ["test/uses:1"]']);
});

Deno.test("a plugin test runs in well under 50 ms (boot, request, unload, close)", async () => {
  const once = async () => {
    const t0 = performance.now();
    const t: PluginTest = await bootPlugin(CreateProductPlugin, { id: "products/create_product" });
    await t.http.request("POST", "/products", { name: "a", price: 1 });
    await t.unload();
    await t.assertReleased();
    await t.close();
    return performance.now() - t0;
  };
  await once(); // warm-up: first compile of the code paths
  const runs = [await once(), await once(), await once(), await once(), await once()];
  const median = runs.sort((a, b) => a - b)[2];
  assert.ok(median < 50, `median ${median.toFixed(1)} ms`);
});
