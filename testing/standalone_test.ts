/**
 * `standaloneContext` and `recordingLog`: setting a tool up without a kernel.
 */
import assert from "node:assert/strict";
import type { DomainInfo } from "@core";
import { recordingLog, standaloneContext } from "./standalone.ts";

Deno.test("recordingLog keeps every line: level, message and props as given", () => {
  const log = recordingLog();
  log.debug("d");
  log.info("i", { n: 1 });
  log.warn("w");
  log.error("e", { err: "boom" });
  assert.deepEqual(log.lines, [
    { level: "debug", message: "d", props: undefined },
    { level: "info", message: "i", props: { n: 1 } },
    { level: "warn", message: "w", props: undefined },
    { level: "error", message: "e", props: { err: "boom" } },
  ]);
});

Deno.test("standaloneContext defaults: root `.`, mode test, no domains, no tools, empty status", () => {
  const ctx = standaloneContext();
  assert.equal(ctx.root, ".");
  assert.equal(ctx.mode, "test");
  assert.deepEqual(ctx.domains, []);
  assert.equal(ctx.dataDir, ".");
  assert.equal(ctx.tool("db"), undefined);
  assert.equal(ctx.env("PORT"), undefined);
  assert.deepEqual(ctx.status.list(), []);
  assert.equal(ctx.status.get("tool", "db"), undefined);
  assert.deepEqual(ctx.status.summary(), {});
  // The default log is silent: every level may be called.
  ctx.log.debug("x");
  ctx.log.info("x");
  ctx.log.warn("x", { a: 1 });
  ctx.log.error("x");
});

Deno.test("standaloneContext takes root, mode, domains, log, and dataDir (default: root)", () => {
  const domains: DomainInfo[] = [{ name: "shop", dir: "/srv/app/domains/shop" }];
  const log = recordingLog();
  const ctx = standaloneContext({ root: "/srv/app", mode: "start", domains, log });
  assert.equal(ctx.root, "/srv/app");
  assert.equal(ctx.mode, "start");
  assert.equal(ctx.domains, domains);
  assert.equal(ctx.log, log);
  assert.equal(ctx.dataDir, "/srv/app");
  assert.equal(standaloneContext({ root: "/srv/app", dataDir: "/var/data" }).dataDir, "/var/data");
  assert.equal(standaloneContext({ dataDir: "/var/data" }).dataDir, "/var/data");
});

Deno.test("standaloneContext env: only the given settings; an empty value counts as unset", () => {
  const ctx = standaloneContext({ env: { PORT: "8080", HOST: "", NAME: undefined } });
  assert.equal(ctx.env("PORT"), "8080");
  assert.equal(ctx.env("HOST"), undefined);
  assert.equal(ctx.env("NAME"), undefined);
  assert.equal(ctx.env("HOME"), undefined, "the process environment is not read");
  assert.equal(ctx.env("toString"), undefined, "nor an object's inherited keys");
});

Deno.test("standaloneContext health and outbox: given ones are used; by default ignored, none", () => {
  const said: string[] = [];
  const outbox = {
    enlist: () => false,
    onCommit() {},
    pending: () => Promise.resolve([]),
    remove: () => Promise.resolve(),
  };
  const ctx = standaloneContext({
    health: (state, reason) => void said.push(`${state} ${reason ?? ""}`.trim()),
    outbox,
  });
  ctx.health("degraded", "no server");
  ctx.health("ready");
  assert.deepEqual(said, ["degraded no server", "ready"]);
  assert.equal(ctx.outbox(), outbox);
  const bare = standaloneContext();
  assert.doesNotThrow(() => bare.health("degraded", "ignored"));
  assert.equal(bare.outbox(), undefined);
});
