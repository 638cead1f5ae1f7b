import assert from "node:assert/strict";
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
  assert.equal(pre.headers.get("access-control-allow-headers"), "content-type, x-token");
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
