import { deepEqual, equal, match, ok } from "node:assert/strict";
import { Kernel } from "./kernel.ts";
import { pluginFromFile, walkProject } from "./discovery.ts";
import { plugin, recordingTool, tempProject } from "./testdata/project.ts";
import type { LogSink } from "./types.ts";

const events = () => ((globalThis as { __events?: string[] }).__events ??= []);
const quiet: LogSink = { debug() {}, info() {}, warn() {}, error() {} };
type Reg = { reg: { live(): readonly string[] } };

Deno.test("discovery: sorted, skips _private, *_test and folders without mod.ts", async () => {
  await using p = await tempProject({
    "tools/b/mod.ts": recordingTool("b"),
    "tools/a/mod.ts": recordingTool("a"),
    "tools/notes/readme.md": "not a tool",
    "domains/shop/plugins/z.ts": plugin([], "z"),
    "domains/shop/plugins/a.ts": plugin([], "a"),
    "domains/shop/plugins/_helper.ts": "export const x = 1;",
    "domains/shop/plugins/a_test.ts": "",
    "domains/shop/models/m.ts": "export const m = 1;",
    "domains/blog/plugins/post.ts": plugin([], "post"),
  });
  const src = await walkProject(p.root);
  deepEqual(src.tools.map((t) => t.file), ["tools/a/mod.ts", "tools/b/mod.ts"]);
  deepEqual(src.domains.map((d) => d.name), ["blog", "shop"]);
  deepEqual(src.plugins.map((x) => x.id), ["blog/post", "shop/a", "shop/z"]);
});

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
  ok(
    lines.some((l) => /d\/b shutdown failed: .*did not finish within 50 ms/.test(l)),
    lines.join(),
  );
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
  equal(g.__refused, 'tool "a_user" asks for "b_other" without naming it in `dependsOn`');
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
