/**
 * An SSE route with `auth:` refuses a request without a valid token before its stream starts,
 * and streams to one with (its twin).
 * @module
 */
import assert from "node:assert/strict";
import { call, makeTool, owner } from "./test_helpers.ts";
import type { AuthGate } from "./types.ts";

const gate: AuthGate = {
  cookie: "session",
  verify: (token) =>
    token === "user" ? Promise.resolve({ sub: "1", roles: ["user"] }) : Promise.reject(
      Object.assign(new Error("invalid or expired token"), { kind: "unauthorized" }),
    ),
};

Deno.test("sse auth: no token is a 401 and the stream never starts; a valid one streams", async () => {
  const { tool } = makeTool();
  tool.useAuth(gate);
  const o = owner("shop/feed");
  let started = 0;
  tool.forOwner(o).addSse("/feed", async function* (_d, ctx) {
    started++;
    yield { data: `hello ${ctx.auth.sub}` };
  }, { auth: true, heartbeatMs: 0 });
  tool.activate(o);
  const refused = await call(tool, "GET", "/feed");
  assert.equal(refused.status, 401);
  assert.deepEqual(await refused.json(), { success: false, error: "missing token" });
  assert.equal(started, 0);
  const ok = await call(tool, "GET", "/feed", undefined, { authorization: "Bearer user" });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /data: hello 1/);
  assert.equal(started, 1);
});
