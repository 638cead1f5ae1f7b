import assert from "node:assert/strict";
import { mock } from "node:test";
import { BasePlugin, type DomainInfo, projectRoot, type ToolContext } from "@core";
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
  assert.equal(err.name, "PluginBootError");
  assert.match(err.message, /unknown tool "htp".*Did you mean "http"\?.*Available tools: /);
  const removed = await bootPlugin(Greeter, { tools: { state: null } }).catch((e) => e);
  assert.match(removed.message, /unknown tool "state"/);
  const unset = await bootPlugin(Greeter, { tools: { state: undefined } }).catch((e) => e);
  assert.match(unset.message, /unknown tool "state"/, "undefined removes a tool as null does");
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

Deno.test("a class declared in the test is named after it, in the test domain", async () => {
  class ShowNotePlugin extends BasePlugin {}
  class PluginRegistryPlugin extends BasePlugin {}
  class Get2FaCode extends BasePlugin {}
  class Plugin extends BasePlugin {}
  const named = async (cls: typeof BasePlugin) => {
    await using t = await bootPlugin(cls as unknown as typeof Plugin);
    return [t.id, t.file];
  };
  assert.deepEqual(await named(ShowNotePlugin), ["test/show_note", "ShowNotePlugin"]);
  assert.deepEqual(await named(PluginRegistryPlugin), [
    "test/plugin_registry",
    "PluginRegistryPlugin",
  ]);
  assert.deepEqual(await named(Get2FaCode), ["test/get2_fa_code", "Get2FaCode"]);
  assert.deepEqual(await named(Plugin), ["test/plugin", "Plugin"]);
  assert.deepEqual(await named(class extends BasePlugin {}), [
    "test/plugin",
    "(anonymous plugin class)",
  ]);
});

Deno.test("with no file on the stack (a REPL, deno eval), a class is in the test domain", async () => {
  class NoStackPlugin extends BasePlugin {}
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // bootPlugin reads the stack before its first await
  let booting: Promise<PluginTest>;
  try {
    booting = bootPlugin(NoStackPlugin);
  } finally {
    Error.stackTraceLimit = limit;
  }
  await using t = await booting;
  assert.equal(t.id, "test/no_stack");
  assert.equal(t.status?.domain, "test");
  assert.equal(t.file, "NoStackPlugin");
  assert.equal(t.kernel.root, projectRoot);
});

Deno.test("the tools see the plugin's domain, the domains given, or none for the test domain", async () => {
  let seen: readonly DomainInfo[] = [];
  const probe = { name: "probe", setup: (ctx: ToolContext) => void (seen = ctx.domains) };
  const domain = (name: string) => ({ name, dir: `${projectRoot}/domains/${name}` });
  const file = new URL("../domains/products/plugins/list_products.ts", import.meta.url);
  {
    await using _ = await bootPlugin(file, { tools: { probe } });
    assert.deepEqual(seen, [domain("products")]);
  }
  {
    await using _ = await bootPlugin(file, {
      tools: { probe },
      domains: ["inventory", "products"],
    });
    assert.deepEqual(seen, [domain("inventory"), domain("products")]);
  }
  {
    class Local extends BasePlugin {}
    await using _ = await bootPlugin(Local, { tools: { probe } });
    assert.deepEqual(seen, []);
  }
});

Deno.test("a tool that fails to start fails bootPlugin, naming it", async () => {
  const broken = {
    name: "probe",
    setup() {
      throw new Error("cannot start");
    },
  };
  class Plain extends BasePlugin {}
  await assert.rejects(bootPlugin(Plain, { tools: { probe: broken } }), {
    name: "Error",
    message: "tool probe failed: cannot start",
  });
});

Deno.test("close() and `await using` shut the plugin and its kernel down, once", async () => {
  let shutdowns = 0;
  class Closing extends BasePlugin {
    override shutdown() {
      shutdowns++;
    }
  }
  {
    await using t = await bootPlugin(Closing);
    assert.equal(t.status?.state, "ready");
  }
  assert.equal(shutdowns, 1, "`await using` closed it");
  const t = await bootPlugin(Closing);
  await t.close();
  await t.close();
  assert.equal(shutdowns, 2, "closed once more, not twice");
  assert.equal(t.status?.state, "stopped");
});

Deno.test("a second close() resolves only once the first has shut everything down", async () => {
  let shutdowns = 0;
  class Closing extends BasePlugin {
    override shutdown() {
      shutdowns++;
    }
  }
  const t = await bootPlugin(Closing);
  const first = t.close();
  await t.close();
  assert.equal(shutdowns, 1);
  assert.equal(t.status?.state, "stopped");
  await first;
});

class Chatty extends BasePlugin {
  constructor(private logger: Logger) {
    super();
  }
  override onBoot() {
    this.logger.debug("starting");
    this.logger.info("first");
    this.logger.warn("careful");
    this.logger.info("second");
  }
}

Deno.test("logs: messages(level) filters the plugin's records; clear() forgets them", async () => {
  await using t = await bootPlugin(Chatty);
  assert.deepEqual(t.logs.messages(), ["starting", "first", "careful", "second"]);
  assert.deepEqual(t.logs.messages("info"), ["first", "second"]);
  assert.deepEqual(t.logs.messages("warn"), ["careful"]);
  assert.deepEqual(t.logs.messages("error"), []);
  t.logs.clear();
  assert.deepEqual(t.logs.records, []);
  assert.deepEqual(t.logs.all, []);
});

Deno.test("logs: logLevel drops records below it", async () => {
  await using t = await bootPlugin(Chatty, { logLevel: "warn" });
  assert.deepEqual(t.logs.messages(), ["careful"]);
  await using info = await bootPlugin(Chatty, { logLevel: "info" });
  assert.deepEqual(info.logs.messages(), ["first", "careful", "second"]);
  // A logger given in `tools` wins over logLevel.
  const said: string[] = [];
  const logger = Object.fromEntries(
    ["debug", "info", "warn", "error"].map((l) => [l, (m: string) => void said.push(m)]),
  );
  await using _own = await bootPlugin(Chatty, { logLevel: "warn", tools: { logger } });
  assert.deepEqual(said, ["starting", "first", "careful", "second"]);
});

Deno.test("without a logger tool the plugin boots, and t.logs is empty", async () => {
  class Plain extends BasePlugin {}
  await using t = await bootPlugin(Plain, { tools: { logger: null } });
  assert.equal(t.status?.state, "ready");
  assert.deepEqual(t.logs.all, []);
});

Deno.test("t.bus, t.http and t.tool say what is missing", async () => {
  class Plain extends BasePlugin {}
  await using t = await bootPlugin(Plain, {
    tools: { http: null, event_bus: { publish() {} } },
  });
  assert.throws(() => t.bus, {
    message: "t.bus needs the kit's event_bus (it was overridden or removed)",
  });
  assert.throws(() => t.http, {
    message: "t.http needs the kit's http tool (it was overridden or removed)",
  });
  assert.throws(() => t.tool("mail"), { message: 'no tool "mail" in this test' });
  assert.equal(t.tool<Config>("config").get("X", "unset"), "unset");
});
