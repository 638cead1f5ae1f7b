/**
 * Request bodies at their edges: a JSON type with a space before its parameters, bodies of
 * exactly the limit (declared or streamed), a NUL in a form value.
 * @module
 */
import assert from "node:assert/strict";
import { call, makeTool, owner } from "./test_helpers.ts";

function echo(limit = 1024 * 1024) {
  const { tool } = makeTool();
  tool.bodyLimit = limit;
  const o = owner("shop/echo");
  tool.forOwner(o).addEndpoint("/echo", "POST", (d) => ({ success: true, d }));
  tool.activate(o);
  return tool;
}

Deno.test("body: application/json ; charset=utf-8 (a space before ;) is JSON", async () => {
  const r = await call(echo(), "POST", "/echo", '{"a":1}', {
    "content-type": "application/json ; charset=utf-8",
  });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { success: true, d: { a: 1 } });
});

Deno.test("body: exactly the limit is accepted, declared or streamed; one byte more is 413", async () => {
  const form = "a=" + "x".repeat(8); // 10 bytes
  const type = { "content-type": "application/x-www-form-urlencoded" };
  const declared = { ...type, "content-length": "10" };
  const ok = await call(echo(10), "POST", "/echo", form, declared);
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { success: true, d: { a: "xxxxxxxx" } });
  const over = await call(echo(9), "POST", "/echo", form, declared);
  assert.equal(over.status, 413);
  await over.body?.cancel();
  // no content-length: the stream is counted
  const streamed = (limit: number) => {
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(form));
        c.close();
      },
    });
    return echo(limit).fetch(
      new Request("http://test.local/echo", { method: "POST", body, headers: type }),
    );
  };
  const sOk = await streamed(10);
  assert.equal(sOk.status, 200);
  assert.deepEqual(await sOk.json(), { success: true, d: { a: "xxxxxxxx" } });
  const sOver = await streamed(9);
  assert.equal(sOver.status, 413);
  await sOver.body?.cancel();
});

Deno.test("body: a NUL in a form value (urlencoded or multipart) is a 400 naming the field", async () => {
  const form = new FormData();
  form.append("ok", "1");
  form.append("note", "a\0b");
  const multipart = new Request("http://test.local/echo", { method: "POST", body: form });
  for (
    const r of [
      await call(echo(), "POST", "/echo", "ok=1&note=a%00b", {
        "content-type": "application/x-www-form-urlencoded",
      }),
      await echo().fetch(multipart),
    ]
  ) {
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.success, false);
    assert.match(JSON.stringify(body), /note/);
    assert.doesNotMatch(JSON.stringify(body), /"ok"/);
  }
});
