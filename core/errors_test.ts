import { deepEqual, equal } from "node:assert/strict";
import { didYouMean, errorInfo, formatError, permissionHint } from "./errors.ts";

/** An error with exactly this stack (or none), so that locations are known. */
function failure(message: string, stack: string | undefined): Error {
  const e = new Error(message);
  e.stack = stack;
  return e;
}

const PLUGIN = "domains/d/plugins/p.ts";

Deno.test("didYouMean: a likely typo, ignoring case; nothing when no candidate is close", () => {
  const tools = ["db", "event_bus", "http", "logger"];
  equal(didYouMean("HTTP", tools), "http");
  equal(didYouMean("htpp", tools), "http");
  equal(didYouMean("loger", tools), "logger");
  equal(didYouMean("xxxx", tools), undefined, "as long as a name, but nothing alike");
  equal(didYouMean("xyz", tools), undefined);
  equal(didYouMean("http", []), undefined);
});

Deno.test("didYouMean: up to 2 edits, or a third of the name's length when longer", () => {
  equal(didYouMean("hxxp", ["http"]), "http", "2 edits");
  equal(didYouMean("hxxx", ["http"]), undefined, "3 edits in a 4-letter name");
  equal(didYouMean("evemt_bvz", ["event_bus"]), "event_bus", "3 edits in 9 letters");
  equal(didYouMean("evxmt_bvz", ["event_bus"]), undefined, "4 edits in 9 letters");
  equal(didYouMean("cache", ["ca", "cachexyz"]), undefined, "3 deletions, 3 insertions");
});

Deno.test("didYouMean: the closest candidate wins; on a tie, the first given", () => {
  equal(didYouMean("stat", ["state", "stats", "stat"]), "stat");
  equal(didYouMean("stats", ["stat", "state"]), "stat");
  equal(didYouMean("stats", ["state", "stat"]), "state");
  equal(didYouMean("dbb", ["http", "db"]), "db");
});

Deno.test("errorInfo: the plugin file's own location first, even below other domain files", () => {
  const stack = [
    "Error: boom",
    "    at helper (file:///app/domains/d/lib/util.ts:3:9)",
    `    at Plugin.onBoot (file:///app/${PLUGIN}:12:5)`,
    "    at Kernel.boot (file:///app/core/kernel.ts:400:7)",
  ].join("\n");
  deepEqual(errorInfo(failure("boom", stack), "/app", undefined, PLUGIN), {
    message: "boom",
    file: PLUGIN,
    line: 12,
    column: 5,
    stack,
  });
});

Deno.test("errorInfo: else the first location under domains/, past tools and core", () => {
  const stack = [
    "Error: bad",
    "    at Tool.x (file:///app/tools/http/tool.ts:50:3)",
    `    at file:///app/${PLUGIN}:7:11`,
    "    at file:///app/domains/e/plugins/q.ts:1:1",
  ].join("\n");
  deepEqual(errorInfo(failure("bad", stack), "/app/"), {
    message: "bad",
    file: PLUGIN,
    line: 7,
    column: 11,
    stack,
  });
  deepEqual(errorInfo(failure("bad", stack), "/app", undefined, "domains/x/plugins/other.ts"), {
    message: "bad",
    file: PLUGIN,
    line: 7,
    column: 11,
    stack,
  });
});

Deno.test("errorInfo: else the plugin file without a line; else the first location under root", () => {
  const stack = [
    "Error: connect refused",
    "    at ext (file:///elsewhere/lib.ts:1:1)",
    "    at dep (file:///app/node_modules/.deno/pg/mod.js:9:9)",
    "    at file:///app/tools/db/tool.ts:88:14",
    "    at file:///app/core/kernel.ts:2:2",
  ].join("\n");
  const e = failure("connect refused", stack);
  deepEqual(errorInfo(e, "/app", undefined, PLUGIN), {
    message: "connect refused",
    file: PLUGIN,
    stack,
  });
  deepEqual(errorInfo(e, "/app"), {
    message: "connect refused",
    file: "tools/db/tool.ts",
    line: 88,
    column: 14,
    stack,
  });
  deepEqual(errorInfo(e, "/other"), { message: "connect refused", stack }, "nothing under root");
});

Deno.test("errorInfo: anything thrown, with or without a stack", () => {
  const info = errorInfo("a string", "/app");
  equal(info.message, "a string");
  equal(typeof info.stack, "string");
  deepEqual(Object.keys(info).sort(), ["message", "stack"], "no file: none under /app");
  deepEqual(errorInfo(failure("no stack", undefined), "/app"), {
    message: "no stack",
    stack: undefined,
  });
  deepEqual(errorInfo(failure("no stack", undefined), "/app", undefined, PLUGIN), {
    message: "no stack",
    file: PLUGIN,
    stack: undefined,
  });
});

Deno.test("errorInfo: a location in the message (Deno's module errors), ANSI colours removed", () => {
  const message = '\x1b[1;31merror\x1b[0m: Module not found "file:///app/domains/d/gone.ts".\n' +
    `    at \x1b[36mfile:///app/${PLUGIN}\x1b[0m:\x1b[33m3\x1b[0m:\x1b[33m22\x1b[0m`;
  const info = errorInfo(
    failure(message, "TypeError: \x1b[31mboom\x1b[0m\n    at file:///app/core/kernel.ts:10:1"),
    "/app",
  );
  deepEqual(info, {
    message: 'error: Module not found "file:///app/domains/d/gone.ts".\n' +
      `    at file:///app/${PLUGIN}:3:22`,
    file: PLUGIN,
    line: 3,
    column: 22,
    stack: "TypeError: boom\n    at file:///app/core/kernel.ts:10:1",
  });
});

Deno.test("errorInfo: hot-reload copies map back to the user's file, in the location, message and stack", () => {
  const copy = "file:///my%20app/.microcore/hmr/domains/d/plugins/p.ts";
  const originals = new Map([
    ["file:///my app/.microcore/hmr/domains/d/plugins/p.ts", `file:///my app/${PLUGIN}`],
    [copy, `file:///my%20app/${PLUGIN}`],
  ]);
  const rewrite = (p: string) => originals.get(p) ?? p;
  const stack = [
    "Error: boom",
    `    at Plugin.onBoot (${copy}:12:34)`,
    `    at ${copy}:3:4`,
    `    at '${copy}'`,
    `    at "${copy}" and ${copy} and ${copy}`,
  ].join("\n");
  const info = errorInfo(failure(`failed in ${copy}`, stack), "/my app", rewrite);
  const original = `file:///my%20app/${PLUGIN}`;
  deepEqual(info, {
    message: `failed in ${original}`,
    file: PLUGIN,
    line: 12,
    column: 34,
    stack: [
      "Error: boom",
      `    at Plugin.onBoot (${original}:12:34)`,
      `    at ${original}:3:4`,
      `    at '${original}'`,
      `    at "${original}" and ${original} and ${original}`,
    ].join("\n"),
  });
});

Deno.test("errorInfo: a query on a module URL (a versioned import) is not part of the file", () => {
  const stack = `Error: x\n    at file:///app/${PLUGIN}?v=0123456789ab:4:2`;
  deepEqual(errorInfo(failure("x", stack), "/app"), {
    message: "x",
    file: PLUGIN,
    line: 4,
    column: 2,
    stack,
  });
});

Deno.test("formatError: file:line:column before the message, as far as known", () => {
  equal(formatError({ message: "m", file: "a.ts", line: 3, column: 17 }), "a.ts:3:17: m");
  equal(formatError({ message: "m", file: "a.ts", line: 3 }), "a.ts:3:0: m");
  equal(formatError({ message: "m", file: "a.ts" }), "a.ts: m");
  equal(formatError({ message: "m" }), "m");
});

Deno.test("permissionHint names the deno.json permission set to edit, not a flag", () => {
  equal(
    permissionHint(
      'Requires write access to "/srv/uploads/a.png", run again with the --allow-write flag',
      "start",
    ),
    `deno.json's "start" permission set does not grant write access to "/srv/uploads/a.png": ` +
      "run `deno task permissions` with the settings that need it, then restart",
  );
  equal(
    permissionHint(
      'Requires net access to "example.com:443", run again with the --allow-net flag',
      "bench",
    ),
    `deno.json's "bench" permission set does not grant net access to "example.com:443": ` +
      `add it to "permissions" → "bench" → "net" in deno.json, then restart`,
  );
  equal(permissionHint("Something else", "dev"), undefined);
});
