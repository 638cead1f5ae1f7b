import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import ReadyPlugin from "./ready.ts";

Deno.test("GET /health/ready: 200 when every tool is ready and no plugin failed", async () => {
  await using t = await bootPlugin(ReadyPlugin);
  const res = await t.http.request("GET", "/health/ready");
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { success: true, data: { status: "ready" } });
});

Deno.test("GET /health/ready: 503 naming each failed or degraded tool and failed plugin", async () => {
  await using t = await bootPlugin(ReadyPlugin);
  const status = t.kernel.status;
  status.set({
    kind: "tool",
    id: "state",
    state: "degraded",
    error: { message: "Redis unreachable" },
  });
  status.set({ kind: "tool", id: "mail", state: "failed", error: { message: "no SMTP_URL" } });
  status.set({ kind: "plugin", id: "shop/cart", state: "failed", error: { message: "boom" } });
  status.set({
    kind: "plugin",
    id: "shop/list",
    state: "stale",
    error: { message: "reload failed" },
  });
  const res = await t.http.request("GET", "/health/ready");
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "5");
  assert.equal(
    res.body.error,
    "not ready: tool mail failed (no SMTP_URL); tool state degraded (Redis unreachable); " +
      "plugin shop/cart failed (boom)",
  );
  assert.deepEqual(res.body.details.problems, [
    { kind: "tool", id: "mail", state: "failed", error: "no SMTP_URL" },
    { kind: "tool", id: "state", state: "degraded", error: "Redis unreachable" },
    { kind: "plugin", id: "shop/cart", state: "failed", error: "boom" },
  ]);
  // Recovered; a stale plugin still serves its previous version: no reason to take it out.
  status.update("tool", "state", { state: "ready", error: undefined });
  status.delete("tool", "mail");
  status.delete("plugin", "shop/cart");
  const back = await t.http.request("GET", "/health/ready");
  assert.equal(back.status, 200);
});
