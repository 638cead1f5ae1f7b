/**
 * What a handler receives as `data` at the edges: a query schema's defaults next to a body, and
 * a method that carries no body (its body is never read).
 * @module
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { call, makeTool, owner } from "./test_helpers.ts";

Deno.test("data: a query schema's defaults are merged with the body (no query string sent)", async () => {
  const { tool } = makeTool();
  const o = owner("shop/search");
  let seen: unknown;
  tool.forOwner(o).addEndpoint("/search", "POST", (data) => {
    seen = { ...data };
    return { success: true };
  }, {
    query: z.object({ limit: z.coerce.number().default(10) }),
    body: z.object({ text: z.string() }),
  });
  tool.activate(o);
  const r = await call(tool, "POST", "/search", { text: "tea" });
  assert.equal(r.status, 200);
  await r.body?.cancel();
  assert.deepEqual(seen, { limit: 10, text: "tea" });
});

Deno.test("data: an OPTIONS route does not read a body sent with it", async () => {
  const { tool } = makeTool();
  const o = owner("shop/opts");
  let seen: unknown;
  tool.forOwner(o).addEndpoint("/thing", "OPTIONS", (data) => {
    seen = { ...data };
    return { success: true };
  });
  tool.activate(o);
  const r = await call(tool, "OPTIONS", "/thing?a=1", { b: 2 });
  assert.equal(r.status, 200);
  await r.body?.cancel();
  assert.deepEqual(seen, { a: "1" });
});
