import assert from "node:assert/strict";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { corsFromEnv } from "./cors.ts";
import { HttpTool } from "./tool.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

Deno.test("CORS: allowed origins get headers and preflights; others do not", async () => {
  const { tool } = makeTool();
  const o = owner("shop/c");
  tool.forOwner(o).addEndpoint("/c", "POST", () => ({ success: true }));
  tool.activate(o);
  // off by default
  const off = await call(tool, "POST", "/c", {}, { origin: "https://app.example" });
  assert.equal(off.headers.get("access-control-allow-origin"), null);
  await off.body?.cancel();

  tool.cors({ origins: ["https://app.example"], credentials: true });
  const pre = await call(tool, "OPTIONS", "/c", undefined, {
    origin: "https://app.example",
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type, x-token",
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(
    pre.headers.get("access-control-allow-headers"),
    "content-type, authorization, x-requested-with",
  );
  assert.equal(pre.headers.get("access-control-allow-credentials"), "true");
  assert.match(pre.headers.get("access-control-allow-methods") ?? "", /POST/);

  const ok = await call(tool, "POST", "/c", {}, { origin: "https://app.example" });
  assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(ok.headers.get("access-control-expose-headers"), "x-request-id");
  assert.match(ok.headers.get("vary") ?? "", /Origin/);
  await ok.body?.cancel();

  const evil = await call(tool, "POST", "/c", {}, { origin: "https://evil.example" });
  assert.equal(evil.headers.get("access-control-allow-origin"), null);
  await evil.body?.cancel();
  const evilPre = await call(tool, "OPTIONS", "/c", undefined, {
    origin: "https://evil.example",
    "access-control-request-method": "POST",
  });
  assert.equal(evilPre.status, 403);

  assert.throws(() => tool.cors({ origins: "*", credentials: true }), /credentials/);
  tool.cors({ origins: "*" });
  const any = await call(tool, "POST", "/c", {}, { origin: "https://x.example" });
  assert.equal(any.headers.get("access-control-allow-origin"), "*");
  await any.body?.cancel();
});

Deno.test("CORS: one Vary: Origin on every response of an origin list, allowed or refused", async () => {
  const { tool } = makeTool();
  const o = owner("shop/v");
  tool.forOwner(o).addEndpoint("/v", "GET", () => ({ success: true }));
  tool.activate(o);
  tool.cors({ origins: ["https://app.example"] });
  const cases: [string, Record<string, string>][] = [
    ["GET", { origin: "https://app.example" }],
    ["GET", { origin: "https://evil.example" }],
    ["GET", {}],
    ["OPTIONS", { origin: "https://app.example", "access-control-request-method": "GET" }],
    ["OPTIONS", { origin: "https://evil.example", "access-control-request-method": "GET" }],
  ];
  for (const [method, headers] of cases) {
    const res = await call(tool, method, "/v", undefined, headers);
    assert.equal(res.headers.get("vary"), "Origin", `${method} ${headers.origin}`);
    await res.body?.cancel();
  }
  // the twin: with any origin ("*") nothing varies by origin
  tool.cors({ origins: "*" });
  const any = await call(tool, "GET", "/v", undefined, { origin: "https://x.example" });
  assert.equal(any.headers.get("vary"), null);
  await any.body?.cancel();
});

Deno.test("CORS: a preflight allows a fixed header list, not whatever it is asked for", async () => {
  const { tool } = makeTool();
  const o = owner("shop/h");
  tool.forOwner(o).addEndpoint("/h", "POST", () => ({ success: true }));
  tool.activate(o);
  tool.cors({ origins: ["https://app.example"] });
  const pre = (asked: string) =>
    call(tool, "OPTIONS", "/h", undefined, {
      origin: "https://app.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": asked,
    });
  const res = await pre("content-type, x-evil-header");
  assert.equal(res.status, 204);
  assert.equal(
    res.headers.get("access-control-allow-headers"),
    "content-type, authorization, x-requested-with",
  );
  tool.cors({ origins: ["https://app.example"], allowHeaders: ["content-type", "x-token"] });
  const own = await pre("x-token");
  assert.equal(own.headers.get("access-control-allow-headers"), "content-type, x-token");
});

Deno.test("CORS settings: CORS_ALLOW_HEADERS replaces the preflight's header list", async () => {
  const log = recordingLog();
  const tool = new HttpTool();
  tool.setup(standaloneContext({
    log,
    env: {
      CORS_ORIGINS: "https://app.example",
      CORS_ALLOW_HEADERS: "Content-Type, X-Api-Key",
    },
  }));
  const o = owner("shop/e");
  tool.forOwner(o).addEndpoint("/e", "POST", () => ({ success: true }));
  tool.activate(o);
  const pre = await call(tool, "OPTIONS", "/e", undefined, {
    origin: "https://app.example",
    "access-control-request-method": "POST",
    "access-control-request-headers": "x-api-key",
  });
  assert.equal(pre.headers.get("access-control-allow-headers"), "content-type, x-api-key");
  assert.throws(
    () => corsFromEnv("*", undefined, "x-ok, bad header"),
    /CORS_ALLOW_HEADERS must be a comma list of header names: "bad header"/,
  );
  assert.equal(corsFromEnv("*", undefined, " ")?.allowHeaders, undefined);
});
