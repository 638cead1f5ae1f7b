import { deepEqual, equal, match, ok } from "node:assert/strict";
import { Kernel } from "./kernel.ts";
import { type AppSource, pluginFromFile, type PluginSource, type ToolSource } from "./discovery.ts";
import { OwnedRegistry } from "./owned.ts";
import { plugin, recordingTool, tempProject } from "./testdata/project.ts";
import type { ErrorInfo, LogSink, Owner, StatusRegistry, Tool, ToolContext } from "./types.ts";

const events = () => ((globalThis as { __events?: string[] }).__events ??= []);
const quiet: LogSink = { debug() {}, info() {}, warn() {}, error() {} };
type Reg = { reg: { live(): readonly string[] } };

Deno.test("lifecycle: setup (deps first) → construct → onBoot → onBootComplete; shutdown reversed", async () => {
  events().length = 0;
  await using p = await tempProject({
    "tools/alpha/mod.ts": recordingTool("alpha", { dependsOn: ["zeta"] }),
    "tools/zeta/mod.ts": recordingTool("zeta"),
    "domains/d/plugins/one.ts": plugin(["alpha"], "one"),
    "domains/d/plugins/two.ts": plugin(["zeta", "alpha"], "two"),
  });
  const k = new Kernel({ root: p.root, mode: "test", log: quiet });
  await k.boot();
  deepEqual(events(), [
    "setup:zeta",
    "setup:alpha",
    "construct:one",
    "boot:one",
    "construct:two",
    "boot:two",
    "bootComplete:zeta",
    "bootComplete:alpha",
  ]);
  deepEqual((k.tools.get("alpha") as unknown as Reg).reg.live(), ["one"]);
  deepEqual((k.tools.get("zeta") as unknown as Reg).reg.live(), ["two"]);
  events().length = 0;
  await k.shutdown();
  deepEqual(events(), [
    "quiesce:zeta",
    "quiesce:alpha",
    "shutdown:two",
    "shutdown:one",
    "shutdown:alpha",
    "shutdown:zeta",
  ]);
});

Deno.test("isolation: missing tool, throwing boot and failing tool each fail alone", async () => {
  events().length = 0;
  await using p = await tempProject({
    "tools/good/mod.ts": recordingTool("good"),
    "tools/broken/mod.ts": recordingTool("broken", { failSetup: true }),
    "domains/d/plugins/ok.ts": plugin(["good"], "ok"),
    "domains/d/plugins/typo.ts": plugin(["goood"], "typo"),
    "domains/d/plugins/throws.ts": plugin(["good"], "throws", { throwInBoot: true }),
    "domains/d/plugins/needs_broken.ts": plugin(["broken"], "nb"),
    "domains/d/plugins/syntax.ts": "export default class {",
  });
  const k = new Kernel({ root: p.root, mode: "test", log: quiet });
  await k.boot();
  const st = (id: string) => k.status.get("plugin", id)!;
  equal(st("d/ok").state, "ready");
  equal(k.status.get("tool", "broken")!.state, "failed");
  match(k.status.get("tool", "broken")!.error!.message, /broken cannot start/);

  equal(st("d/typo").state, "failed");
  const typo = st("d/typo").error!.message;
  match(typo, /unknown tool "goood"/);
  match(typo, /domains\/d\/plugins\/typo\.ts/);
  match(typo, /Did you mean "good"\?/);
  match(typo, /Available tools: good, status/);

  equal(st("d/throws").state, "failed");
  match(st("d/throws").error!.message, /boom in throws/);
  equal(st("d/throws").error!.file, "domains/d/plugins/throws.ts");
  ok(st("d/throws").error!.line! > 0);
  // the failed boot's registrations were released: only "ok" is live
  deepEqual((k.tools.get("good") as unknown as Reg).reg.live(), ["ok"]);

  equal(st("d/needs_broken").state, "failed");
  match(st("d/needs_broken").error!.message, /needs tool "broken", which failed/);
  equal(st("d/syntax").state, "failed");
  equal(st("d/syntax").error!.file, "domains/d/plugins/syntax.ts");
  await k.shutdown();
});

Deno.test("reload: a new generation switches at once; a broken one leaves the old serving", async () => {
  events().length = 0;
  await using p = await tempProject({
    "tools/reg/mod.ts": recordingTool("reg"),
    "domains/d/plugins/p.ts": plugin(["reg"], "v1"),
  });
  const k = new Kernel({ root: p.root, mode: "test", log: quiet });
  await k.boot();
  const live = () => (k.tools.get("reg") as unknown as Reg).reg.live();
  deepEqual(live(), ["v1"]);

  await p.write("domains/d/plugins/p2.ts", plugin(["reg"], "v2"));
  const src = pluginFromFile(
    p.root,
    "domains/d/plugins/p.ts",
    `file://${p.root}/domains/d/plugins/p2.ts`,
  );
  const r = await k.loadPlugin(src);
  ok(r.ok);
  equal(r.generation, 2);
  deepEqual(live(), ["v2"]);
  equal(k.status.get("plugin", "d/p")!.reloads, 1);

  await p.write("domains/d/plugins/p3.ts", plugin(["reg"], "v3", { throwInBoot: true }));
  const bad = await k.loadPlugin(
    pluginFromFile(p.root, "domains/d/plugins/p.ts", `file://${p.root}/domains/d/plugins/p3.ts`),
  );
  equal(bad.ok, false);
  deepEqual(live(), ["v2"], "the old version keeps serving");
  const entry = k.status.get("plugin", "d/p")!;
  equal(entry.state, "stale");
  equal(entry.generation, 2);
  match(entry.error!.message, /boom in v3/);

  ok(await k.unloadPlugin("d/p"));
  deepEqual(live(), []);
  equal(k.status.get("plugin", "d/p"), undefined);
  ok(events().includes("shutdown:v2"));
  await k.shutdown();
});

Deno.test("reload: ten reloads leave exactly one registration", async () => {
  await using p = await tempProject({
    "tools/reg/mod.ts": recordingTool("reg"),
    "domains/d/plugins/p.ts": plugin(["reg"], "item"),
  });
  const k = new Kernel({ root: p.root, mode: "test", log: quiet });
  await k.boot();
  for (let i = 0; i < 10; i++) {
    await p.write(`domains/d/plugins/v${i}.ts`, plugin(["reg"], "item"));
    const r = await k.loadPlugin(
      pluginFromFile(
        p.root,
        "domains/d/plugins/p.ts",
        `file://${p.root}/domains/d/plugins/v${i}.ts`,
      ),
    );
    ok(r.ok);
  }
  const reg =
    (k.tools.get("reg") as unknown as { reg: { live(): readonly string[]; size: number } })
      .reg;
  // wait for the retired generations' release (done after drain, in the background)
  await new Promise((r) => setTimeout(r, 10));
  deepEqual(reg.live(), ["item"]);
  equal(reg.size, 1);
  await k.shutdown();
});

Deno.test("timeouts: an onBoot that never settles fails its plugin alone, and boot returns", async () => {
  events().length = 0;
  await using p = await tempProject({
    "tools/alpha/mod.ts": recordingTool("alpha"),
    "domains/d/plugins/hangs.ts": `
      export default class { constructor(alpha) {} onBoot() { return new Promise(() => {}); } }`,
    "domains/d/plugins/ok.ts": plugin(["alpha"], "ok"),
  });
  const k = new Kernel({ root: p.root, mode: "test", log: quiet, hookTimeoutMs: 50 });
  const t0 = performance.now();
  await k.boot();
  ok(performance.now() - t0 < 2_000, "boot returned after the timeout, not never");
  const hangs = k.status.get("plugin", "d/hangs")!;
  equal(hangs.state, "failed");
  match(hangs.error!.message, /onBoot did not finish within 50 ms/);
  equal(hangs.error!.file, "domains/d/plugins/hangs.ts");
  equal(k.status.get("plugin", "d/ok")!.state, "ready", "the other plugin booted");
  deepEqual((k.tools.get("alpha") as unknown as Reg).reg.live(), ["ok"]);
  await k.shutdown(1000);
});

Deno.test("timeouts: a shutdown hook that never settles is abandoned; the others still run", async () => {
  events().length = 0;
  await using p = await tempProject({
    "tools/alpha/mod.ts": recordingTool("alpha"),
    "domains/d/plugins/a.ts": plugin(["alpha"], "a"),
    "domains/d/plugins/b.ts": `
      export default class { constructor(alpha) {} shutdown() { return new Promise(() => {}); } }`,
  });
  const lines: string[] = [];
  const log: LogSink = { ...quiet, error: (m) => lines.push(m) };
  const k = new Kernel({ root: p.root, mode: "test", log });
  await k.boot();
  events().length = 0;
  const t0 = performance.now();
  await k.shutdown(50);
  ok(performance.now() - t0 < 2_000, "shutdown returned");
  deepEqual(events(), ["quiesce:alpha", "shutdown:a", "shutdown:alpha"]);
  deepEqual(lines, ["d/b shutdown failed: d/b.shutdown did not finish within 50 ms"]);
  equal(k.status.get("plugin", "d/b")!.state, "stopped");
});

/** A tool fixture from source, for the contracts between the kernel and tools. */
const toolSource = (body: string) =>
  `const ev = (globalThis.__events ??= []);\nexport default ${body};`;

Deno.test("settings: a tool reads only what it declares; empty counts as unset; dataDir is passed", async () => {
  await using p = await tempProject({
    "tools/reader/mod.ts": toolSource(`{
      name: "reader",
      env: { PORT: "the port", EMPTY: "an empty one" },
      setup(ctx) {
        globalThis.__seen = { port: ctx.env("PORT"), empty: ctx.env("EMPTY"), dataDir: ctx.dataDir };
        try { ctx.env("SECRET"); } catch (e) { globalThis.__seen.undeclared = e.message; }
      },
    }`),
  });
  const vars: Record<string, string> = { PORT: "9000", EMPTY: "", SECRET: "s3cret" };
  const k = new Kernel({
    root: p.root,
    mode: "test",
    log: quiet,
    env: (key) => vars[key],
    dataDir: "/srv/data",
  });
  await k.boot();
  const seen = (globalThis as { __seen?: Record<string, unknown> }).__seen!;
  deepEqual(seen, {
    port: "9000",
    empty: undefined,
    dataDir: "/srv/data",
    undeclared: 'tool "reader" reads SECRET without declaring it in its `env`',
  });
  deepEqual(k.status.get("tool", "reader")!.env, ["EMPTY", "PORT"], "names, never values");
  await k.shutdown();
});

Deno.test("health: what a tool says during its setup holds once it is set up", async () => {
  await using p = await tempProject({
    "tools/remote/mod.ts": toolSource(`{
      name: "remote",
      setup(ctx) {
        ctx.health("degraded", "Redis at 127.0.0.1:1 unreachable: started without it");
      },
    }`),
    "tools/failing/mod.ts": toolSource(`{
      name: "failing",
      setup(ctx) {
        ctx.health("degraded", "no server");
        throw new Error("bad URL");
      },
    }`),
  });
  const lines: string[] = [];
  const log = { ...quiet, warn: (m: string) => void lines.push(m) };
  const k = new Kernel({ root: p.root, mode: "test", log });
  await k.boot();
  equal(k.status.get("tool", "remote")!.state, "degraded");
  deepEqual(k.status.get("tool", "remote")!.error, {
    message: "Redis at 127.0.0.1:1 unreachable: started without it",
  });
  equal(k.status.get("tool", "failing")!.state, "failed", "a failed setup stays failed");
  equal(k.status.get("tool", "failing")!.error?.message, "bad URL");
  ok(lines.includes("remote: Redis at 127.0.0.1:1 unreachable: started without it"));
  await k.shutdown();
});

Deno.test("health: a ready tool reports degraded and recovered; the change is logged once", async () => {
  await using p = await tempProject({
    "tools/remote/mod.ts": toolSource(`{
      name: "remote",
      setup(ctx) {
        ctx.health("degraded", "too early"); // during setup: replaced by the next report
        ctx.health("ready");
        globalThis.__health = ctx.health;
      },
    }`),
    "tools/broken/mod.ts": toolSource(`{
      name: "broken",
      setup(ctx) {
        globalThis.__brokenHealth = ctx.health;
        throw new Error("no");
      },
    }`),
  });
  const lines: string[] = [];
  const log = { ...quiet, warn: (m: string) => void lines.push(`warn ${m}`) };
  log.info = (m: string) => void lines.push(`info ${m}`);
  const k = new Kernel({ root: p.root, mode: "test", log });
  await k.boot();
  lines.length = 0;
  const g = globalThis as unknown as Record<string, (s: string, r?: string) => void>;
  const entry = () => k.status.get("tool", "remote")!;
  equal(entry().state, "ready");
  equal(entry().error, undefined);
  g.__health("degraded", "Redis at 127.0.0.1:1 unreachable");
  equal(entry().state, "degraded");
  deepEqual(entry().error, { message: "Redis at 127.0.0.1:1 unreachable" });
  g.__health("degraded", "Redis at 127.0.0.1:1 unreachable"); // no change, no line
  g.__health("degraded"); // a new reason (none given)
  deepEqual(entry().error, { message: "degraded" });
  g.__health("ready");
  equal(entry().state, "ready");
  equal(entry().error, undefined);
  g.__health("ready"); // already ready: nothing
  g.__brokenHealth("ready"); // a failed tool stays failed
  equal(k.status.get("tool", "broken")!.state, "failed");
  deepEqual(lines, [
    "warn remote: Redis at 127.0.0.1:1 unreachable",
    "warn remote: degraded",
    "info remote: recovered",
  ]);
  await k.shutdown();
});

Deno.test("outbox: ctx.outbox() is the one a tool offers, found when asked, or undefined", async () => {
  await using p = await tempProject({
    "tools/a_bus/mod.ts": toolSource(`{
      name: "a_bus",
      setup(ctx) {
        globalThis.__atSetup = ctx.outbox(); // set up before the offering tool
        globalThis.__outboxOf = ctx.outbox;
      },
    }`),
    "tools/z_db/mod.ts": toolSource(`{ name: "z_db", outbox: { offeredBy: "z_db" } }`),
  });
  const k = new Kernel({ root: p.root, mode: "test", log: quiet });
  await k.boot();
  const g = globalThis as unknown as { __atSetup: unknown; __outboxOf: () => unknown };
  equal(g.__atSetup, undefined);
  deepEqual(g.__outboxOf(), { offeredBy: "z_db" });
  await k.shutdown();
  await using none = await tempProject({
    "tools/a_bus/mod.ts": toolSource(
      `{ name: "a_bus", setup(ctx) { globalThis.__none = ctx.outbox(); } }`,
    ),
  });
  const k2 = new Kernel({ root: none.root, mode: "test", log: quiet });
  await k2.boot();
  equal((globalThis as { __none?: unknown }).__none, undefined);
  await k2.shutdown();
});

Deno.test("tools: ctx.tool reaches only a declared dependency, set up first", async () => {
  await using p = await tempProject({
    "tools/a_user/mod.ts": toolSource(`{
      name: "a_user",
      dependsOn: ["z_conf"],
      setup(ctx) {
        globalThis.__got = ctx.tool("z_conf")?.value;
        try { ctx.tool("b_other"); } catch (e) { globalThis.__refused = e.message; }
      },
    }`),
    "tools/b_other/mod.ts": toolSource(`{ name: "b_other" }`),
    "tools/z_conf/mod.ts": toolSource(`{ name: "z_conf", value: 42 }`),
  });
  const k = new Kernel({ root: p.root, mode: "test", log: quiet });
  await k.boot();
  const g = globalThis as { __got?: number; __refused?: string };
  equal(g.__got, 42, "the dependency was set up before its user");
  equal(
    g.__refused,
    'tool "a_user" asks for "b_other" without naming it in `dependsOn` or `uses`',
  );
  await k.shutdown();
});

Deno.test("tools: `uses` sets a present tool up first, and an absent or failed one fails nothing", async () => {
  await using p = await tempProject({
    "tools/a_user/mod.ts": toolSource(`{
      name: "a_user",
      uses: ["z_conf", "gone", "y_broken"],
      setup(ctx) {
        globalThis.__uses = [ctx.tool("z_conf")?.value, ctx.tool("gone"), ctx.tool("y_broken")];
      },
    }`),
    "tools/y_broken/mod.ts": toolSource(`{ name: "y_broken", setup() { throw new Error("x"); } }`),
    "tools/z_conf/mod.ts": toolSource(`{ name: "z_conf", value: 42 }`),
  });
  const k = new Kernel({ root: p.root, mode: "test", log: quiet });
  await k.boot();
  deepEqual((globalThis as { __uses?: unknown }).__uses, [42, undefined, undefined]);
  equal(k.status.get("tool", "a_user")?.state, "ready");
  equal(k.status.get("tool", "y_broken")?.state, "failed");
  await k.shutdown();
});

Deno.test("logging: the tool with logFor is set up first; the kernel and later tools log through it", async () => {
  events().length = 0;
  await using p = await tempProject({
    "tools/a_first/mod.ts": toolSource(`{
      name: "a_first",
      setup(ctx) { ev.push("setup:a_first"); ctx.log.info("hello from a_first"); },
    }`),
    "tools/zlog/mod.ts": toolSource(`{
      name: "zlog",
      setup() { ev.push("setup:zlog"); },
      logFor(name) {
        const at = (level) => (m) => ev.push(level + ":" + name + ":" + m);
        return { debug() {}, info: at("info"), warn: at("warn"), error: at("error") };
      },
    }`),
    "domains/d/plugins/bad.ts": "export default class { constructor(nope) {} }",
  });
  const consoleLines: string[] = [];
  const log: LogSink = {
    ...quiet,
    info: (m) => consoleLines.push(m),
    error: (m) => consoleLines.push(m),
  };
  const k = new Kernel({ root: p.root, mode: "test", log });
  await k.boot();
  equal(events()[0], "setup:zlog", "the logger is set up before a tool that sorts first");
  ok(events().includes("info:a_first:hello from a_first"), "a later tool logs through it");
  ok(
    events().some((e) => e.startsWith("error:kernel:plugin d/bad failed")),
    "the kernel logs through it",
  );
  deepEqual(consoleLines, [], "nothing went to the fallback sink after the logger was up");
  await k.shutdown();
});

Deno.test("timeouts: a hook that takes a while but finishes in time succeeds", async () => {
  await using p = await tempProject({
    "tools/alpha/mod.ts": recordingTool("alpha"),
    "domains/d/plugins/slow.ts": `
      export default class { constructor(alpha) { this.a = alpha; }
        async onBoot() { await new Promise((r) => setTimeout(r, 30)); this.a.add("slow"); } }`,
  });
  const k = new Kernel({ root: p.root, mode: "test", log: quiet, hookTimeoutMs: 2_000 });
  await k.boot();
  equal(k.status.get("plugin", "d/slow")!.state, "ready");
  deepEqual((k.tools.get("alpha") as unknown as Reg).reg.live(), ["slow"]);
  await k.shutdown(1000);
});

// ---- in-memory apps: exact contracts without files ------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Mod = Record<string, unknown>;
type Adder = { add(item: string): void };

/** A log sink keeping each line as `<level>: <message>` (and its props, if any). */
function recordLog() {
  const lines: string[] = [];
  const at = (level: string) => (m: string, p?: Record<string, unknown>) =>
    void lines.push(`${level}: ${m}${p ? ` ${JSON.stringify(p)}` : ""}`);
  const sink: LogSink = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  return { lines, sink };
}

/** A plugin `<domain>/<stem>` at `domains/<domain>/plugins/<stem>.ts` whose module is `mod`. */
function mem(id: string, mod: Mod | (() => Promise<Mod>)): PluginSource {
  const [domain, stem] = id.split("/");
  const load = typeof mod === "function" ? mod : () => Promise.resolve(mod);
  return { id, domain, file: `domains/${domain}/plugins/${stem}.ts`, load };
}

/** A tool folder `tools/<folder>/` whose module is `mod`. */
function memTool(folder: string, mod: Mod | (() => Promise<Mod>)): ToolSource {
  const load = typeof mod === "function" ? mod : () => Promise.resolve(mod);
  return { name: folder, file: `tools/${folder}/mod.ts`, load };
}

/** An app whose domains are those of its plugins (under /app). */
function app(plugins: PluginSource[], tools: ToolSource[] = []): AppSource {
  const names = [...new Set(plugins.map((p) => p.domain))];
  return { tools, plugins, domains: names.map((name) => ({ name, dir: `/app/domains/${name}` })) };
}

/** A tool named `name` recording each call into `ev`, keeping registrations per owner. */
function recorder(name: string, ev: string[], more: Partial<Tool> = {}) {
  const reg = new OwnedRegistry<string>();
  return {
    name,
    reg,
    forOwner: (o: Owner): Adder => ({ add: (x) => void reg.add(o, x) }),
    activate(o: Owner) {
      ev.push(`activate ${o.id}#${o.generation}`);
      reg.activate(o);
    },
    release(id: string, gen?: number) {
      ev.push(`release ${id}#${gen ?? "all"}`);
      reg.release(id, gen);
    },
    drain(id: string, gen: number, ms: number) {
      ev.push(`drain ${id}#${gen} ${ms} ms`);
      return Promise.resolve();
    },
    ...more,
  } satisfies Tool & { reg: unknown };
}

/** A plugin class asking for `rec`, registering `item` once booted; it records into `ev`. */
function recPlugin(
  item: string,
  ev: string[],
  hooks: { boot?: () => unknown; shutdown?: () => unknown } = {},
) {
  return class {
    constructor(private rec: Adder) {
      ev.push(`construct ${item}`);
    }
    async onBoot() {
      ev.push(`boot ${item}`);
      await hooks.boot?.();
      this.rec.add(item);
    }
    shutdown() {
      ev.push(`shutdown ${item}`);
      return hooks.shutdown?.();
    }
  };
}

/** The error of a status entry or load result, without its stack. */
const noStack = (info: ErrorInfo | undefined) => {
  const { stack: _, ...rest } = info ?? { message: "(none)" };
  return rest;
};

/** Runs `fn` with console.log/warn/error captured. */
async function withConsole(fn: () => Promise<void>) {
  const calls = { log: [] as unknown[][], warn: [] as unknown[][], error: [] as unknown[][] };
  const saved = { log: console.log, warn: console.warn, error: console.error };
  console.log = (...a: unknown[]) => void calls.log.push(a);
  console.warn = (...a: unknown[]) => void calls.warn.push(a);
  console.error = (...a: unknown[]) => void calls.error.push(a);
  try {
    await fn();
  } finally {
    Object.assign(console, saved);
  }
  return calls;
}

Deno.test("status: a plugin's entry, its load time (import included) and a failed reload's stale entry", async () => {
  const ev: string[] = [];
  const rec = recorder("rec", ev);
  const Pay = class extends recPlugin("pay", ev) {
    static publishes = ["shop.paid"];
  };
  const slow = (mod: () => Mod | Promise<Mod>) => async () => (await sleep(20), mod());
  const log = recordLog();
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    tools: [rec],
    source: app([
      mem("shop/pay", slow(() => ({ default: Pay }))),
      mem("shop/typo", slow(() => Promise.reject(new SyntaxError("Unexpected token '}'")))),
    ]),
  });
  const t0 = performance.now();
  await k.boot();
  const elapsed = performance.now() - t0;
  const entry = (id: string) => {
    const { updatedAt: _, loadMs, ...rest } = k.status.get("plugin", id)!;
    ok(loadMs! >= 15 && loadMs! <= elapsed + 1, `${id}: ${loadMs} ms of ${elapsed}`);
    equal(loadMs, Math.round(loadMs! * 10) / 10, "to a tenth of a millisecond");
    return rest;
  };
  deepEqual(entry("shop/pay"), {
    kind: "plugin",
    id: "shop/pay",
    state: "ready",
    file: "domains/shop/plugins/pay.ts",
    domain: "shop",
    tools: ["rec"],
    publishes: ["shop.paid"],
    generation: 1,
    reloads: 0,
    error: undefined,
  });
  const typo = entry("shop/typo");
  deepEqual({ ...typo, error: noStack(typo.error) }, {
    kind: "plugin",
    id: "shop/typo",
    state: "failed",
    file: "domains/shop/plugins/typo.ts",
    domain: "shop",
    tools: undefined,
    publishes: undefined,
    generation: undefined,
    reloads: undefined,
    error: { message: "Unexpected token '}'", file: "domains/shop/plugins/typo.ts" },
  });

  // A reload whose import fails: the old generation serves, its entry keeps what it declared.
  const t1 = performance.now();
  const bad = await k.loadPlugin(
    mem("shop/pay", slow(() => Promise.reject(new SyntaxError("Unexpected end of input")))),
  );
  const took = performance.now() - t1;
  ok(bad.ms >= 15 && bad.ms <= took + 1, `${bad.ms} ms of ${took}`);
  deepEqual({ ...bad, ms: 0, error: noStack(bad.error) }, {
    id: "shop/pay",
    ok: false,
    generation: 1,
    ms: 0,
    error: { message: "Unexpected end of input", file: "domains/shop/plugins/pay.ts" },
  });
  const stale = k.status.get("plugin", "shop/pay")!;
  deepEqual(
    { ...stale, updatedAt: 0, loadMs: 0, error: noStack(stale.error) },
    {
      kind: "plugin",
      id: "shop/pay",
      state: "stale",
      file: "domains/shop/plugins/pay.ts",
      domain: "shop",
      tools: ["rec"],
      publishes: ["shop.paid"],
      generation: 1,
      reloads: 0,
      loadMs: 0,
      updatedAt: 0,
      error: { message: "Unexpected end of input", file: "domains/shop/plugins/pay.ts" },
    },
  );
  deepEqual(log.lines, [
    "error: plugin shop/typo failed: domains/shop/plugins/typo.ts: Unexpected token '}'",
    "error: reload of shop/pay failed, generation 1 keeps serving: domains/shop/plugins/pay.ts: Unexpected end of input",
  ]);

  // A good reload: the new class's declarations, one more reload, its own load time.
  const Pay2 = class extends recPlugin("pay2", ev) {
    static publishes = ["shop.paid", "shop.refunded"];
  };
  const t2 = performance.now();
  const good = await k.loadPlugin(mem("shop/pay", slow(() => ({ default: Pay2 }))));
  const took2 = performance.now() - t2;
  ok(good.ms >= 15 && good.ms <= took2 + 1, `${good.ms} ms of ${took2}`);
  deepEqual({ ...good, ms: 0 }, { id: "shop/pay", ok: true, generation: 3, ms: 0 });
  const now = k.status.get("plugin", "shop/pay")!;
  deepEqual([now.state, now.publishes, now.generation, now.reloads, now.loadMs], [
    "ready",
    ["shop.paid", "shop.refunded"],
    3,
    1,
    good.ms,
  ]);
  deepEqual(rec.reg.live(), ["pay2"]);
  await k.shutdown();
});

Deno.test("status: during onBoot a first load and a reload are 'loading'; a retry after a failure still shows the failure", async () => {
  const seen: string[] = [];
  const Watch = (tag: string, id = "d/p") =>
    class {
      constructor(private status: StatusRegistry) {}
      onBoot() {
        const e = this.status.get("plugin", id);
        seen.push(`${tag}: ${e?.state} ${e?.error?.message ?? ""}`.trim());
      }
    };
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: quiet,
    source: app([mem("d/p", () => Promise.reject(new Error("first try")))]),
  });
  await k.boot();
  ok((await k.loadPlugin(mem("d/p", { default: Watch("retry") }))).ok);
  ok((await k.loadPlugin(mem("d/p", { default: Watch("reload") }))).ok);
  ok((await k.loadPlugin(mem("d/q", { default: Watch("other's first load", "d/q") }))).ok);
  deepEqual(seen, ["retry: failed first try", "reload: loading", "other's first load: loading"]);
  await k.shutdown();
});

Deno.test("unload: every generation released at once, then the serving one drained, released, shut down", async () => {
  const ev: string[] = [];
  const rec = recorder("rec", ev);
  const log = recordLog();
  const P = recPlugin("p", ev);
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    hookTimeoutMs: 1_000,
    tools: [rec, { name: "bare" }], // a tool with no hooks at all
    source: app([
      mem("d/p", { default: P }),
      mem("d/q", { default: recPlugin("q", ev) }),
      mem("d/bad", () => Promise.reject(new Error("nope"))),
    ]),
  });
  await k.boot();
  deepEqual(k.pluginIds(), ["d/p", "d/q"]);
  ok(k.instanceOf("d/p") instanceof P);
  equal(k.instanceOf("d/bad"), undefined);
  deepEqual(ev, [
    "construct p",
    "boot p",
    "activate d/p#1",
    "construct q",
    "boot q",
    "activate d/q#1",
    "release d/bad#1",
  ]);
  ev.length = 0;
  log.lines.length = 0;

  equal(await k.unloadPlugin("d/p"), true);
  deepEqual(ev, ["release d/p#all", "drain d/p#1 1000 ms", "release d/p#1", "shutdown p"]);
  deepEqual(k.pluginIds(), ["d/q"]);
  equal(k.instanceOf("d/p"), undefined);
  equal(k.status.get("plugin", "d/p"), undefined);
  deepEqual(rec.reg.live(), ["q"]);
  deepEqual(log.lines, ["info: unloaded d/p"]);

  // Not serving (gone, or failed): its registrations are released all the same, nothing else.
  ev.length = 0;
  log.lines.length = 0;
  equal(await k.unloadPlugin("d/p"), false);
  equal(await k.unloadPlugin("d/bad"), false);
  equal(k.status.get("plugin", "d/bad"), undefined, "the failed plugin's entry is gone");
  deepEqual(ev, ["release d/p#all", "release d/bad#all"]);
  deepEqual(log.lines, []);
  await k.shutdown();
});

Deno.test("reload: the new generation is activated, then the old one drains, is released and shuts down; shutdown waits for it", async () => {
  const ev: string[] = [];
  const rec = recorder("rec", ev, { quiesce: () => (ev.push("quiesce rec"), Promise.resolve()) });
  const log = recordLog();
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    hookTimeoutMs: 1_000,
    tools: [rec, { name: "bare" }],
    source: app([mem("d/p", {
      default: recPlugin("v1", ev, { shutdown: () => sleep(20).then(() => ev.push("v1 closed")) }),
    })]),
  });
  await k.boot();
  ev.length = 0;
  const r = await k.loadPlugin(mem("d/p", { default: recPlugin("v2", ev) }));
  deepEqual({ ...r, ms: 0 }, { id: "d/p", ok: true, generation: 2, ms: 0 });
  deepEqual(rec.reg.live(), ["v2"]);
  await k.shutdown();
  deepEqual(ev, [
    "construct v2",
    "boot v2",
    "activate d/p#2",
    "drain d/p#1 1000 ms",
    "release d/p#1",
    "shutdown v1",
    "v1 closed", // 20 ms later: shutdown waited for it before anything else
    "quiesce rec",
    "shutdown v2",
  ]);
  deepEqual(log.lines, []);
});

Deno.test("reload: an old generation's shutdown that throws or hangs is a warning naming it", async () => {
  const ev: string[] = [];
  const log = recordLog();
  const Quiet = class { // no shutdown method at all
    constructor(private rec: Adder) {}
  };
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    hookTimeoutMs: 50,
    tools: [recorder("rec", ev)],
    source: app([
      mem("d/p", {
        default: recPlugin("v1", ev, { shutdown: () => Promise.reject(new Error("v1 cleanup")) }),
      }),
    ]),
  });
  await k.boot();
  const reload = async (cls: unknown) => ok((await k.loadPlugin(mem("d/p", { default: cls }))).ok);
  await reload(Quiet);
  await reload(recPlugin("v3", ev, { shutdown: () => new Promise(() => {}) }));
  await reload(recPlugin("v4", ev));
  await reload(recPlugin("v5", ev));
  await k.shutdown(50);
  deepEqual(log.lines, [
    "warn: d/p (generation 1) shutdown: v1 cleanup",
    "warn: d/p (generation 3) shutdown: domains/d/plugins/p.ts shutdown did not finish within 50 ms",
  ]);
});

Deno.test("failed boot: its registrations are released at once; a tool's throwing hook is logged with the tool's name", async () => {
  const ev: string[] = [];
  const rec = recorder("rec", ev);
  const grumpy = recorder("grumpy", [], {
    activate: () => {
      throw new Error("cannot switch");
    },
  });
  const log = recordLog();
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    tools: [rec, grumpy, { name: "bare" }],
    source: app([
      mem("d/bad", {
        default: recPlugin("bad", ev, { boot: () => Promise.reject(new Error("x")) }),
      }),
      mem("d/ok", { default: recPlugin("ok", ev) }),
    ]),
  });
  await k.boot();
  deepEqual(ev, [
    "construct bad",
    "boot bad",
    "release d/bad#1",
    "construct ok",
    "boot ok",
    "activate d/ok#1",
  ]);
  equal(rec.reg.size, 1, "nothing of the failed generation is kept, even staged");
  deepEqual(rec.reg.live(), ["ok"]);
  equal(k.status.get("plugin", "d/ok")!.state, "ready", "the switch went on");
  deepEqual(log.lines, [
    "error: plugin d/bad failed: domains/d/plugins/bad.ts: x",
    "error: grumpy: cannot switch",
  ]);
  await k.shutdown();
});

Deno.test("shutdown: silent without hooks; everything stopped; a second call does nothing; later loads are refused", async () => {
  const ev: string[] = [];
  const log = recordLog();
  const Bare = class { // neither onBoot nor shutdown
    constructor(private rec: Adder) {}
  };
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    tools: [recorder("rec", ev, { shutdown: () => void ev.push("shutdown rec") }), {
      name: "bare",
    }],
    source: app([mem("d/bare", { default: Bare }), mem("d/p", { default: recPlugin("p", ev) })]),
  });
  const calls = await withConsole(async () => {
    await k.boot();
    ev.length = 0;
    await k.shutdown();
    await k.shutdown();
  });
  deepEqual(calls, { log: [], warn: [], error: [] });
  deepEqual(ev, ["shutdown p", "shutdown rec"]);
  deepEqual(log.lines, []);
  deepEqual(
    k.status.list().map((e) => `${e.kind} ${e.id}: ${e.state}`),
    [
      "tool bare: stopped",
      "tool rec: stopped",
      "tool status: stopped",
      "plugin d/bare: stopped",
      "plugin d/p: stopped",
    ],
  );
  deepEqual(k.pluginIds(), []);

  const late = await k.loadPlugin(mem("d/late", { default: recPlugin("late", ev) }));
  deepEqual({ ...late, ms: 0, error: noStack(late.error) }, {
    id: "d/late",
    ok: false,
    generation: undefined,
    ms: 0,
    error: { message: "kernel is shutting down", file: "domains/d/plugins/late.ts" },
  });
  deepEqual(ev, ["shutdown p", "shutdown rec", "release d/late#1"], "nothing was built");
  deepEqual(k.pluginIds(), []);
  deepEqual(log.lines, [
    "error: plugin d/late failed: domains/d/plugins/late.ts: kernel is shutting down",
  ]);
});

Deno.test("shutdown: tools quiesce first (waited for beyond the step's time); failures are logged with who and why", async () => {
  const ev: string[] = [];
  const log = recordLog();
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    tools: [
      recorder("rec", ev, {
        quiesce: async () => {
          await sleep(30); // within the step's 20 ms + 1 s
          ev.push("quiesced rec");
        },
      }),
      recorder("throws", ev, {
        shutdown: () => {
          throw new Error("socket already closed");
        },
      }),
      recorder("hangs", ev, { shutdown: () => new Promise(() => {}) }),
    ],
    source: app([mem("d/p", { default: recPlugin("p", ev) })]),
  });
  await k.boot();
  ev.length = 0;
  const calls = await withConsole(() => k.shutdown(20));
  deepEqual(ev, ["quiesced rec", "shutdown p"]);
  deepEqual(calls, {
    log: [],
    warn: [],
    error: [
      ["[kernel] hangs shutdown failed: hangs.shutdown did not finish within 20 ms"],
      ["[kernel] throws shutdown failed: socket already closed"],
    ],
  });
  deepEqual(log.lines, [], "tools' shutdown failures go to the console: the logger may be gone");
});

Deno.test("serial: loads of one plugin run one after another; shutdown waits for one in flight", async () => {
  const ev: string[] = [];
  const version = (v: string, started?: () => void) =>
    mem("d/p", {
      default: recPlugin(v, ev, {
        boot: async () => {
          started?.();
          await sleep(10);
          ev.push(`booted ${v}`);
        },
      }),
    });
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: quiet,
    tools: [recorder("rec", ev, { quiesce: () => (ev.push("quiesce rec"), Promise.resolve()) })],
    source: app([]),
  });
  await k.boot();
  const a = k.loadPlugin(version("a"));
  const b = k.loadPlugin(version("b"));
  equal((await a).generation, 1);
  await sleep(1); // a is done with, b is booting
  const c = k.loadPlugin(version("c")); // waits for b
  deepEqual([(await b).generation, (await c).generation], [2, 3]);
  let started!: () => void;
  const booting = new Promise<void>((r) => started = r);
  const d = k.loadPlugin(version("d", started));
  await booting;
  await k.shutdown();
  equal((await d).ok, true);
  equal(ev.at(-1), "shutdown d");
  deepEqual(ev.filter((e) => /^(boot|booted|quiesce) /.test(e)), [
    "boot a",
    "booted a",
    "boot b",
    "booted b",
    "boot c",
    "booted c",
    "boot d",
    "booted d",
    "quiesce rec",
  ]);
});

Deno.test("tools: each broken one fails alone, with why; the others are ready, with their load time", async () => {
  const seen: unknown[] = [];
  const log = recordLog();
  const tool = (t: unknown) => ({ default: t });
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    hookTimeoutMs: 50,
    tools: [{ name: "extra" }],
    source: {
      domains: [{ name: "shop", dir: "/app/domains/shop" }],
      plugins: [],
      tools: [
        memTool("good", async () => (await sleep(20), tool({ name: "good" }))),
        memTool(
          "klass",
          tool(
            class {
              name = "klass";
            },
          ),
        ),
        memTool("logging", tool({ name: "journal" })), // its name, not its folder's
        memTool("broken", () => Promise.reject(new SyntaxError("Unexpected token 'export'"))),
        memTool("odd", () => Promise.reject(undefined)), // throws something that is no error
        memTool("no_default", { helper: 1 }),
        memTool("nameless", tool({})),
        memTool("nothing", tool(null)),
        memTool("dup1", tool({ name: "dup" })),
        memTool("dup2", tool({ name: "dup" })),
        memTool("needs", tool({ name: "needs", dependsOn: ["nope", "nada"] })),
        memTool("needs_broken", tool({ name: "needs_broken", dependsOn: ["broken"] })),
        memTool("hangs", tool({ name: "hangs", setup: () => new Promise(() => {}) })),
        memTool("needs_hangs", tool({ name: "needs_hangs", dependsOn: ["hangs"] })),
        memTool(
          "observer",
          tool({
            name: "observer",
            setup(ctx: ToolContext) {
              const state = (id: string) => ctx.status.get("tool", id)?.state;
              seen.push(state("observer"), state("zlast"), state("good"), ctx.domains);
            },
          }),
        ),
        memTool("zlast", tool({ name: "zlast" })),
      ],
    },
  });
  const t0 = performance.now();
  await k.boot();
  const elapsed = performance.now() - t0;
  deepEqual(seen, ["loading", "loading", "ready", [{ name: "shop", dir: "/app/domains/shop" }]]);
  const tools = k.status.list().filter((e) => e.kind === "tool");
  deepEqual(
    tools.map((e) => [e.id, e.state, e.file, e.error && noStack(e.error).message]),
    [
      ["broken", "failed", "tools/broken/mod.ts", "Unexpected token 'export'"],
      [
        "dup",
        "failed",
        "tools/dup1/mod.ts, tools/dup2/mod.ts",
        'tool "dup" is claimed by tools/dup1/mod.ts and tools/dup2/mod.ts',
      ],
      ["extra", "ready", undefined, undefined],
      ["good", "ready", "tools/good/mod.ts", undefined],
      ["hangs", "failed", "tools/hangs/mod.ts", "hangs.setup did not finish within 50 ms"],
      ["journal", "ready", "tools/logging/mod.ts", undefined],
      ["klass", "ready", "tools/klass/mod.ts", undefined],
      [
        "nameless",
        "failed",
        "tools/nameless/mod.ts",
        'tools/nameless/mod.ts must default-export a tool: an object (or class) with a "name"',
      ],
      ["needs", "failed", "tools/needs/mod.ts", "depends on missing tool(s): nope, nada"],
      ["needs_broken", "failed", "tools/needs_broken/mod.ts", "depends on missing tool(s): broken"],
      [
        "needs_hangs",
        "failed",
        "tools/needs_hangs/mod.ts",
        'depends on tool "hangs", which failed',
      ],
      [
        "no_default",
        "failed",
        "tools/no_default/mod.ts",
        'tools/no_default/mod.ts must default-export a tool: an object (or class) with a "name"',
      ],
      [
        "nothing",
        "failed",
        "tools/nothing/mod.ts",
        'tools/nothing/mod.ts must default-export a tool: an object (or class) with a "name"',
      ],
      ["observer", "ready", "tools/observer/mod.ts", undefined],
      ["odd", "failed", "tools/odd/mod.ts", "no tool exported"],
      ["status", "ready", undefined, undefined],
      ["zlast", "ready", "tools/zlast/mod.ts", undefined],
    ],
  );
  deepEqual(
    [...k.tools.keys()].sort(),
    ["extra", "good", "journal", "klass", "observer", "status", "zlast"],
  );
  const good = k.status.get("tool", "good")!.loadMs!;
  ok(good >= 15 && good <= elapsed + 1, `the import counts: ${good} ms of ${elapsed}`);
  deepEqual(log.lines, [
    "error: tool broken failed: Unexpected token 'export'",
    "error: tool odd failed: no tool exported",
    'error: tool no_default failed: tools/no_default/mod.ts must default-export a tool: an object (or class) with a "name"',
    'error: tool nameless failed: tools/nameless/mod.ts must default-export a tool: an object (or class) with a "name"',
    'error: tool nothing failed: tools/nothing/mod.ts must default-export a tool: an object (or class) with a "name"',
    'error: tool dup failed: tool "dup" is claimed by tools/dup1/mod.ts and tools/dup2/mod.ts',
    "error: tool needs failed: depends on missing tool(s): nope, nada",
    "error: tool needs_broken failed: depends on missing tool(s): broken",
    "error: tool hangs failed: hangs.setup did not finish within 50 ms",
    'error: tool needs_hangs failed: depends on tool "hangs", which failed',
  ]);
  await k.shutdown(50);
});

Deno.test("onBootComplete: a tool failing there is failed and withheld, yet shut down; the plugins built with it fail", async () => {
  const ev: string[] = [];
  const log = recordLog();
  const Uses = class {
    constructor(private plain: Adder, private flaky: Adder) {}
  };
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    hookTimeoutMs: 50,
    tools: [
      recorder("flaky", ev, {
        onBootComplete: () => Promise.reject(new Error("lost its connection")),
        shutdown: () => void ev.push("shutdown flaky"),
      }),
      recorder("hung", ev, { onBootComplete: () => new Promise(() => {}) }),
      recorder("plain", ev), // no onBootComplete
    ],
    source: app([
      mem("d/uses", { default: Uses }),
      mem("d/other", {
        default: class {
          constructor(private plain: Adder) {}
        },
      }),
      mem("d/broken", {
        default: class {
          constructor(private flaky: Adder, private nope: Adder) {}
        },
      }),
    ]),
  });
  await k.boot();
  const plugins = k.status.list().filter((e) => e.kind === "plugin");
  deepEqual(plugins.map((e) => [e.id, e.state, noStack(e.error)]), [
    ["d/broken", "failed", {
      message:
        'unknown tool "nope" requested by domains/d/plugins/broken.ts. Available tools: flaky, hung, plain, status',
      file: "domains/d/plugins/broken.ts",
    }],
    ["d/other", "ready", { message: "(none)" }],
    ["d/uses", "failed", {
      message: 'needs tool "flaky", which failed: lost its connection',
      file: "domains/d/plugins/uses.ts",
    }],
  ]);
  deepEqual(
    k.status.list().filter((e) => e.kind === "tool").map((e) => [e.id, e.state, e.error?.message]),
    [
      ["flaky", "failed", "lost its connection"],
      ["hung", "failed", "hung.onBootComplete did not finish within 50 ms"],
      ["plain", "ready", undefined],
      ["status", "ready", undefined],
    ],
  );
  deepEqual([...k.tools.keys()].sort(), ["plain", "status"]);
  const late = await k.loadPlugin(mem("d/late", { default: Uses }));
  equal(late.error?.message, 'needs tool "flaky", which failed: lost its connection');
  deepEqual(log.lines, [
    "error: plugin d/broken failed: domains/d/plugins/broken.ts: " +
    'unknown tool "nope" requested by domains/d/plugins/broken.ts. Available tools: flaky, hung, plain, status',
    "error: tool flaky failed: lost its connection",
    "error: tool hung failed: hung.onBootComplete did not finish within 50 ms",
    'error: plugin d/late failed: domains/d/plugins/late.ts: needs tool "flaky", which failed: lost its connection',
  ]);
  ev.length = 0;
  await k.shutdown(50);
  ok(ev.includes("shutdown flaky"), "set up, so still shut down");
});

Deno.test("domains: prepared by each tool before their plugins load; a failure fails that domain's plugins until prepared again", async () => {
  const ev: string[] = [];
  const log = recordLog();
  let fixed = false;
  const Plain = (name: string) =>
    class {
      constructor() {
        ev.push(`construct ${name}`);
      }
    };
  const domain = (name: string) => ({ name, dir: `/app/domains/${name}` });
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    hookTimeoutMs: 50,
    tools: [
      {
        name: "db",
        setup: (ctx) => void ev.push(`setup db: ${ctx.domains.map((d) => d.name).join(", ")}`),
        prepareDomain(d) {
          ev.push(`prepare ${d.name} (${d.dir})`);
          if (d.name === "bad" && !fixed) throw new Error("migration 002 failed");
        },
      },
      { name: "lazy" }, // prepares nothing
      { name: "slow", prepareDomain: (d) => d.name === "hang" ? new Promise(() => {}) : undefined },
    ],
    source: app([
      mem("bad/p", { default: Plain("bad") }),
      mem("good/p", { default: Plain("good") }),
    ]),
  });
  await k.boot();
  deepEqual(ev, [
    "setup db: bad, good",
    "prepare bad (/app/domains/bad)",
    "prepare good (/app/domains/good)",
    "construct good",
  ]);
  const bad = k.status.get("plugin", "bad/p")!;
  deepEqual([bad.state, noStack(bad.error)], ["failed", { message: "migration 002 failed" }]);
  deepEqual([k.hasDomain("bad"), k.hasDomain("good"), k.hasDomain("new")], [true, true, false]);
  deepEqual(log.lines, [
    "error: domain bad failed: migration 002 failed",
    "error: plugin bad/p failed: migration 002 failed",
  ]);

  // Later (dev): a new domain, a domain whose preparation hangs, the failed one again.
  ev.length = 0;
  equal(await k.prepareDomain(domain("new")), undefined);
  equal(k.hasDomain("new"), true);
  deepEqual(noStack(await k.prepareDomain(domain("hang"))), {
    message: "slow.prepareDomain did not finish within 50 ms",
  });
  deepEqual(noStack(await k.prepareDomain(domain("bad"))), { message: "migration 002 failed" });
  equal((await k.loadPlugin(mem("bad/p", { default: Plain("bad") }))).ok, false);
  fixed = true;
  equal(await k.prepareDomain(domain("bad")), undefined);
  equal((await k.loadPlugin(mem("bad/p", { default: Plain("bad") }))).ok, true);
  deepEqual(ev, [
    "prepare new (/app/domains/new)",
    "prepare hang (/app/domains/hang)",
    "prepare bad (/app/domains/bad)",
    "prepare bad (/app/domains/bad)",
    "construct bad",
  ]);
  await k.shutdown();
});

Deno.test("injection: object style gets the tools there are; an optional one may be missing; unknown ones list the tools, sorted", async () => {
  const got: unknown[] = [];
  const log = recordLog();
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    tools: [
      { name: "alpha" },
      { name: "zlog", logFor: () => log.sink }, // a logger: set up first, listed last
    ],
    source: app([
      mem("d/obj", {
        default: class {
          constructor({ alpha, cache = "none" }: { alpha: Tool; cache?: string }) {
            got.push(Object.keys(arguments[0]), alpha.name, cache);
          }
        },
      }),
      mem("d/pos", {
        default: class {
          constructor(alpha: Tool, cache = "none") {
            got.push(alpha.name, cache);
          }
        },
      }),
      mem("d/unknown", {
        default: class {
          constructor(private nope: unknown) {}
        },
      }),
      mem("d/typo", {
        default: class {
          constructor(private alpah: unknown) {}
        },
      }),
    ]),
  });
  await k.boot();
  deepEqual(got, [["alpha"], "alpha", "none", "alpha", "none"]);
  deepEqual(k.pluginIds(), ["d/obj", "d/pos"]);
  deepEqual(log.lines, [
    'error: plugin d/unknown failed: domains/d/plugins/unknown.ts: unknown tool "nope" requested by domains/d/plugins/unknown.ts. Available tools: alpha, status, zlog',
    'error: plugin d/typo failed: domains/d/plugins/typo.ts: unknown tool "alpah" requested by domains/d/plugins/typo.ts. Did you mean "alpha"? Available tools: alpha, status, zlog',
  ]);
  await k.shutdown();
});

Deno.test("plugin modules: the default export, else the one exported class; anything else is an error naming the file", async () => {
  const log = recordLog();
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    source: app([
      mem("d/named", { Pay: class {} }),
      mem("d/default_and_more", {
        default: class {},
        ValidationError: class extends Error {}, // another class beside the default export
      }),
      mem("d/helpers", {
        label: (kind: string) => `${kind} class`, // a function, even one saying "class", is no class
        describe: function (kind: string) {
          return `the ${kind} class`;
        },
        VERSION: 2,
        Pay: class {},
      }),
      mem("d/object_default", { default: { not: "a class" }, Pay: class {} }),
      mem("d/two", { A: class {}, B: class {} }),
      mem("d/none", { VERSION: 2 }),
      mem("d/functions", { make: function () {} }),
      mem("d/throws_nothing", {
        default: class {
          onBoot() {
            throw undefined;
          }
        },
      }),
    ]),
  });
  await k.boot();
  deepEqual(k.pluginIds(), ["d/named", "d/default_and_more", "d/helpers", "d/object_default"]);
  const why = (file: string) =>
    `${file} exports no plugin class: default-export a class (e.g. "export default class MyPlugin extends BasePlugin")`;
  deepEqual(
    ["two", "none", "functions", "throws_nothing"].map((s) =>
      noStack(k.status.get("plugin", `d/${s}`)!.error)
    ),
    [
      { message: why("domains/d/plugins/two.ts"), file: "domains/d/plugins/two.ts" },
      { message: why("domains/d/plugins/none.ts"), file: "domains/d/plugins/none.ts" },
      { message: why("domains/d/plugins/functions.ts"), file: "domains/d/plugins/functions.ts" },
      { message: "undefined", file: "domains/d/plugins/throws_nothing.ts" },
    ],
  );
  deepEqual(log.lines, [
    ...["two", "none", "functions"].map((s) =>
      `error: plugin d/${s} failed: domains/d/plugins/${s}.ts: ${why(`domains/d/plugins/${s}.ts`)}`
    ),
    "error: plugin d/throws_nothing failed: domains/d/plugins/throws_nothing.ts: undefined",
  ]);
  await k.shutdown();
});

Deno.test("logging without a logger tool: each tool's lines prefixed with its name, props kept; the console by default", async () => {
  const talker: Tool = {
    name: "talker",
    setup(ctx) {
      ctx.log.debug("d");
      ctx.log.debug("dp", { n: 0 });
      ctx.log.info("i");
      ctx.log.info("ip", { n: 1 });
      ctx.log.warn("w");
      ctx.log.warn("wp", { n: 2 });
      ctx.log.error("e");
      ctx.log.error("ep", { n: 3 });
    },
  };
  const log = recordLog();
  const k = new Kernel({ root: "/app", mode: "test", log: log.sink, tools: [talker] });
  await k.boot();
  equal(k.log, log.sink);
  deepEqual(log.lines, [
    "debug: [talker] d",
    'debug: [talker] dp {"n":0}',
    "info: [talker] i",
    'info: [talker] ip {"n":1}',
    "warn: [talker] w",
    'warn: [talker] wp {"n":2}',
    "error: [talker] e",
    'error: [talker] ep {"n":3}',
  ]);
  await k.shutdown();

  const calls = await withConsole(async () => {
    const k = new Kernel({ root: "/app", mode: "test", tools: [talker] });
    await k.boot();
    await k.shutdown();
  });
  deepEqual(calls, {
    log: [["[kernel] [talker] i"], ["[kernel] [talker] ip", { n: 1 }]],
    warn: [["[kernel] [talker] w"], ["[kernel] [talker] wp", { n: 2 }]],
    error: [["[kernel] [talker] e"], ["[kernel] [talker] ep", { n: 3 }]],
  });
});

Deno.test("tool context: the root without a trailing slash, dataDir, the environment, errorInfo (no stack in start mode)", async () => {
  const KEY = "MICROCORE_KERNEL_TEST_SETTING";
  Deno.env.set(KEY, "from the environment");
  const seen: Record<string, unknown>[] = [];
  const tool: Tool = {
    name: "probe",
    env: { [KEY]: "a setting" },
    setup(ctx) {
      const info = ctx.errorInfo!(new Error("bad row"), "domains/d/plugins/p.ts");
      seen.push({
        root: ctx.root,
        dataDir: ctx.dataDir,
        mode: ctx.mode,
        setting: ctx.env(KEY),
        info: { ...info, stack: typeof info.stack },
      });
    },
  };
  try {
    for (const mode of ["dev", "start"] as const) {
      const k = new Kernel({ root: "/srv/app/", mode, log: quiet, tools: [tool] });
      equal(k.root, "/srv/app");
      await k.boot();
      await k.shutdown();
    }
  } finally {
    Deno.env.delete(KEY);
  }
  const common = { root: "/srv/app", dataDir: "/srv/app", setting: "from the environment" };
  const info = { message: "bad row", file: "domains/d/plugins/p.ts" };
  deepEqual(seen, [
    { ...common, mode: "dev", info: { ...info, stack: "string" } },
    { ...common, mode: "start", info: { ...info, stack: "undefined" } },
  ]);
});

Deno.test("status tool: offered as `status`; its snapshot shows what each tool says about a plugin and itself", async () => {
  let given: unknown;
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: quiet,
    tools: [{
      name: "http",
      describe: () => ({ port: 8000 }),
      describeOwner: (id) => id === "d/p" ? { routes: ["GET /p"] } : undefined,
    }],
    source: app([mem("d/p", {
      default: class {
        constructor(status: StatusRegistry, http: Tool) {
          given = [status, http.name];
        }
      },
    })]),
  });
  await k.boot();
  deepEqual(given, [k.status, "http"]);
  equal(k.status.get("tool", "status")!.state, "ready");
  const { entries } = k.status.snapshot();
  deepEqual(
    entries.map(({ kind, id, state, details, routes }) => ({ kind, id, state, details, routes })),
    [
      { kind: "tool", id: "http", state: "ready", details: { port: 8000 }, routes: undefined },
      { kind: "tool", id: "status", state: "ready", details: undefined, routes: undefined },
      { kind: "plugin", id: "d/p", state: "ready", details: undefined, routes: ["GET /p"] },
    ],
  );
  await k.shutdown();
});

Deno.test("boot: a source function is called; the summary has mode, boot time, start time, reloads", async () => {
  let asked = 0;
  const k = new Kernel({
    root: "/app",
    mode: "dev",
    log: quiet,
    source: () => (asked++, Promise.resolve(app([mem("d/p", { default: class {} })]))),
  });
  const t0 = performance.now();
  await k.boot();
  const elapsed = performance.now() - t0;
  equal(asked, 1);
  deepEqual(k.pluginIds(), ["d/p"]);
  const { mode, bootMs, startedAt, reloads } = k.status.summary();
  deepEqual([mode, reloads], ["dev", 0]);
  ok(
    (bootMs as number) >= 0 && (bootMs as number) <= Math.ceil(elapsed),
    `${bootMs} of ${elapsed}`,
  );
  equal(new Date(startedAt as string).toISOString(), startedAt);
  deepEqual([k.countReload(), k.countReload()], [1, 2]);
  equal(k.status.summary().reloads, 2);
  await k.shutdown();
});

Deno.test("failed boot: a tool whose release throws is logged with the tool's name", async () => {
  const sulky = recorder("sulky", [], {
    release: () => {
      throw new Error("cannot let go");
    },
  });
  const log = recordLog();
  const k = new Kernel({
    root: "/app",
    mode: "test",
    log: log.sink,
    tools: [recorder("rec", []), sulky],
    source: app([
      mem("d/bad", {
        default: recPlugin("bad", [], { boot: () => Promise.reject(new Error("x")) }),
      }),
    ]),
  });
  await k.boot();
  deepEqual(log.lines, [
    "error: sulky: cannot let go",
    "error: plugin d/bad failed: domains/d/plugins/bad.ts: x",
  ]);
  await k.shutdown();
});

Deno.test("a hook that blocks the event loop ≥ 250 ms is named in a warning; a quick or async one is not", async () => {
  events().length = 0;
  await using p = await tempProject({
    "tools/alpha/mod.ts": recordingTool("alpha"),
    "domains/d/plugins/busy.ts": `
      export default class { constructor(alpha) {}
        onBoot() { const end = Date.now() + 300; while (Date.now() < end); } }`,
    "domains/d/plugins/waits.ts": `
      export default class { constructor(alpha) {}
        async onBoot() { await new Promise((r) => setTimeout(r, 300)); } }`,
    "domains/d/plugins/ok.ts": plugin(["alpha"], "ok"),
  });
  const warnings: string[] = [];
  const k = new Kernel({
    root: p.root,
    mode: "test",
    log: { ...quiet, warn: (m) => warnings.push(m) },
  });
  await k.boot();
  equal(warnings.length, 1, warnings.join("\n"));
  match(
    warnings[0],
    /^domains\/d\/plugins\/busy\.ts onBoot blocked the event loop for \d{3,} ms: every request waited/,
  );
  equal(k.status.get("plugin", "d/busy")!.state, "ready", "a warning, not a failure");
  await k.shutdown(1000);
});

Deno.test("a permission error names the deno.json set to edit (a plugin writing outside its set)", async () => {
  await using p = await tempProject({
    "tools/alpha/mod.ts": recordingTool("alpha"),
    "domains/d/plugins/writes.ts": `
      export default class { constructor(alpha) {}
        onBoot() {
          const e = new Deno.errors.NotCapable(
            'Requires write access to "/srv/x.txt", run again with the --allow-write flag');
          throw e;
        } }`,
  });
  const k = new Kernel({ root: p.root, mode: "start", log: quiet });
  await k.boot();
  const err = k.status.get("plugin", "d/writes")!.error!;
  match(
    err.message,
    /^Requires write access to "\/srv\/x\.txt", run again with the --allow-write flag \(deno\.json's "start" permission set does not grant write access to "\/srv\/x\.txt": run `deno task permissions` with the settings that need it, then restart\)$/,
  );
  await k.shutdown(1000);
});
