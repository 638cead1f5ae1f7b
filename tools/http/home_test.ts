import assert from "node:assert/strict";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { call, owner } from "./test_helpers.ts";
import { HttpTool } from "./tool.ts";

function toolIn(mode: "dev" | "start" | "test"): HttpTool {
  const tool = new HttpTool();
  tool.setup(standaloneContext({ root: Deno.cwd(), log: recordingLog(), mode }));
  return tool;
}

Deno.test("GET / in dev points to /docs and /system/status, with the secure headers", async () => {
  const tool = toolIn("dev");
  const res = await call(tool, "GET", "/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  const body = await res.json();
  assert.equal(body.success, true);
  assert.equal(body.data.docs, "/docs");
  assert.equal(body.data.status, "/system/status");
  const head = await call(tool, "HEAD", "/");
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  // Other paths and methods keep their usual answers.
  assert.equal((await call(tool, "GET", "/nothing-here")).status, 404);
  assert.equal((await call(tool, "POST", "/")).status, 404);
});

Deno.test("GET /: a plugin's route wins in dev; start and test answer the usual 404", async () => {
  const tool = toolIn("dev");
  const o = owner("web/home");
  tool.forOwner(o).addEndpoint("/", "GET", () => "mine");
  tool.activate(o);
  assert.equal(await (await call(tool, "GET", "/")).text(), "mine");
  tool.release(o.id);
  assert.equal((await call(tool, "GET", "/")).status, 200, "the dev page again once released");
  for (const mode of ["start", "test"] as const) {
    const res = await call(toolIn(mode), "GET", "/");
    assert.equal(res.status, 404, mode);
    await res.body?.cancel();
  }
});
