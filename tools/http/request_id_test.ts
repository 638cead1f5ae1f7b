import assert from "node:assert/strict";
import type { LogSink } from "@core";
import { type LogLine, standaloneContext } from "@microcore/testing/standalone.ts";
import { HttpError } from "./errors.ts";
import { call, owner } from "./test_helpers.ts";
import { HttpTool } from "./tool.ts";

const ID = /^[0-9a-f]{8}-[0-9a-z]+$/;

/** A log sink that, like the logger tool, says which levels are on (`min` and above). */
function levelLog(
  min: "debug" | "info",
): LogSink & { lines: LogLine[]; isEnabled(l: string): boolean } {
  const lines: LogLine[] = [];
  const at = (level: LogLine["level"]) => (message: string, props?: Record<string, unknown>) => {
    lines.push({ level, message, props });
  };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    isEnabled: (level) => min === "debug" || level !== "debug",
  };
}

function app(min: "debug" | "info", env: Record<string, string> = {}) {
  const log = levelLog(min);
  const tool = new HttpTool();
  tool.setup(standaloneContext({ log, env }));
  const o = owner("shop/items");
  const http = tool.forOwner(o);
  http.addEndpoint("/plain", "GET", () => ({ success: true }));
  http.addEndpoint("/uses-id", "GET", (_d, ctx) => ({ success: true, id: ctx.requestId }));
  http.addEndpoint("/gone", "GET", () => {
    throw new HttpError(410, "gone");
  });
  http.addEndpoint("/boom", "GET", () => {
    throw new Error("kaput");
  });
  tool.activate(o);
  return { tool, log };
}

Deno.test("request ids: at the default level a plain 200 goes out without one (nothing to find it by)", async () => {
  const { tool, log } = app("info");
  const res = await call(tool, "GET", "/plain");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-request-id"), null);
  await res.body?.cancel();
  assert.equal(log.lines.length, 0);
});

Deno.test("request ids: every error carries one, and a 500's body and log line give the same id", async () => {
  const { tool, log } = app("info");
  for (const path of ["/gone", "/nope"]) {
    const res = await call(tool, "GET", path);
    assert.ok(res.status === 410 || res.status === 404);
    assert.match(res.headers.get("x-request-id") ?? "", ID);
    await res.body?.cancel();
  }
  const boom = await call(tool, "GET", "/boom");
  const id = boom.headers.get("x-request-id");
  assert.match(id ?? "", ID);
  assert.equal((await boom.json()).requestId, id);
  const logged = log.lines.filter((l) => l.props?.requestId === id).map((l) => l.level);
  assert.deepEqual(logged.sort(), ["error", "warn"]); // the stack, and the access line
});

Deno.test("request ids: a handler that reads ctx.requestId gets it sent back", async () => {
  const { tool } = app("info");
  const res = await call(tool, "GET", "/uses-id");
  const id = res.headers.get("x-request-id");
  assert.match(id ?? "", ID);
  assert.equal((await res.json()).id, id);
});

Deno.test("request ids: by default a client cannot choose the id (its header is not even read)", async () => {
  const { tool } = app("info");
  const plain = await call(tool, "GET", "/plain", undefined, { "x-request-id": "forged" });
  assert.equal(plain.headers.get("x-request-id"), null);
  await plain.body?.cancel();
  const gone = await call(tool, "GET", "/gone", undefined, { "x-request-id": "forged" });
  assert.match(gone.headers.get("x-request-id") ?? "", ID);
  await gone.body?.cancel();
});

Deno.test("request ids: HTTP_REQUEST_ID_HEADER adopts a sane incoming id and echoes it; a bad one is replaced", async () => {
  const { tool, log } = app("info", { HTTP_REQUEST_ID_HEADER: "X-Request-Id" });
  const echoed = await call(tool, "GET", "/plain", undefined, { "x-request-id": "lb-42" });
  assert.equal(echoed.headers.get("x-request-id"), "lb-42");
  await echoed.body?.cancel();
  const boom = await call(tool, "GET", "/boom", undefined, { "x-request-id": "lb-43" });
  assert.equal(boom.headers.get("x-request-id"), "lb-43");
  assert.equal((await boom.json()).requestId, "lb-43");
  assert.ok(log.lines.some((l) => l.level === "error" && l.props?.requestId === "lb-43"));

  for (const bad of ["a b", "x".repeat(129), "é"]) {
    const headers = { "x-request-id": bad };
    const plain = await call(tool, "GET", "/plain", undefined, headers);
    assert.equal(plain.headers.get("x-request-id"), null, `not echoed: ${bad}`);
    await plain.body?.cancel();
    const gone = await call(tool, "GET", "/gone", undefined, headers);
    assert.match(gone.headers.get("x-request-id") ?? "", ID, `replaced: ${bad}`);
    await gone.body?.cancel();
  }

  // any header name, e.g. a platform's own
  const other = app("info", { HTTP_REQUEST_ID_HEADER: "x-correlation-id" }).tool;
  const res = await call(other, "GET", "/plain", undefined, { "x-correlation-id": "c-9" });
  assert.equal(res.headers.get("x-request-id"), "c-9");
  await res.body?.cancel();
});

Deno.test("request ids: with the access line on (LOG_LEVEL=debug) every response carries its line's id", async () => {
  const { tool, log } = app("debug");
  const res = await call(tool, "GET", "/plain");
  const id = res.headers.get("x-request-id");
  assert.match(id ?? "", ID);
  await res.body?.cancel();
  assert.equal(log.lines.length, 1);
  assert.equal(log.lines[0].props?.requestId, id);
});

Deno.test("request ids: HTTP_REQUEST_ID=always (or tool.requestIds()) stamps every response", async () => {
  const { tool } = app("info", { HTTP_REQUEST_ID: "always" });
  const a = await call(tool, "GET", "/plain");
  const b = await call(tool, "GET", "/plain");
  assert.match(a.headers.get("x-request-id") ?? "", ID);
  assert.notEqual(a.headers.get("x-request-id"), b.headers.get("x-request-id"));
  await a.body?.cancel();
  await b.body?.cancel();

  const other = app("info").tool;
  other.requestIds({ send: "always" });
  const c = await call(other, "GET", "/plain");
  assert.match(c.headers.get("x-request-id") ?? "", ID);
  await c.body?.cancel();
  other.requestIds({ send: "auto" });
  const d = await call(other, "GET", "/plain");
  assert.equal(d.headers.get("x-request-id"), null);
  await d.body?.cancel();
});

Deno.test("request ids: a bad HTTP_REQUEST_ID or HTTP_REQUEST_ID_HEADER fails setup, saying why", () => {
  assert.throws(() => app("info", { HTTP_REQUEST_ID: "sometimes" }), /"auto" or "always"/);
  assert.throws(() => app("info", { HTTP_REQUEST_ID_HEADER: "x request" }), /header name/);
  assert.throws(() => new HttpTool().requestIds({ from: "a:b" }), /not a header name/);
});

Deno.test("request ids: an async throw and Response.error() give a 500 whose id is in the log", async () => {
  const { tool, log } = app("info");
  const o = owner("shop/more");
  const http = tool.forOwner(o);
  http.addEndpoint("/later", "GET", async () => {
    await Promise.resolve();
    throw new Error("later");
  });
  http.addEndpoint("/error-response", "GET", () => Response.error());
  tool.activate(o);
  for (const path of ["/later", "/error-response"]) {
    const res = await call(tool, "GET", path);
    assert.equal(res.status, 500, path);
    const id = res.headers.get("x-request-id");
    assert.match(id ?? "", ID);
    assert.equal((await res.json()).requestId, id);
    assert.ok(log.lines.some((l) => l.level === "error" && l.props?.requestId === id), path);
  }
});

Deno.test("request ids: an SSE stream carries its id up front; its later errors are logged with it", async () => {
  const { tool, log } = app("info");
  const o = owner("shop/feed");
  tool.forOwner(o).addSse("/feed", async function* () {
    yield { data: "one" };
    await Promise.resolve();
    throw new Error("feed broke");
  }, { heartbeatMs: 0 });
  tool.activate(o);
  const res = await call(tool, "GET", "/feed");
  const id = res.headers.get("x-request-id");
  assert.match(id ?? "", ID);
  assert.match(await res.text(), /data: one/);
  const err = log.lines.find((l) => l.level === "error");
  assert.equal(err?.props?.requestId, id);
});

Deno.test("request ids: with CORS a browser may read the id of an error", async () => {
  const { tool } = app("info");
  tool.cors({ origins: ["https://app.example"] });
  const headers = { origin: "https://app.example" };
  const gone = await call(tool, "GET", "/gone", undefined, headers);
  assert.match(gone.headers.get("x-request-id") ?? "", ID);
  assert.equal(gone.headers.get("access-control-expose-headers"), "x-request-id");
  assert.equal(gone.headers.get("access-control-allow-origin"), "https://app.example");
  await gone.body?.cancel();
});
