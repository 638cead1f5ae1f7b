import assert from "node:assert/strict";
import { z } from "zod";
import type { LogSink } from "@core";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { owner } from "./test_helpers.ts";
import { HttpTool } from "./tool.ts";

/** A tool listening on a real socket (bodies then carry a content-length, as from clients). */
async function serving(log: LogSink = recordingLog()) {
  const tool = new HttpTool();
  tool.setup(standaloneContext({ log }));
  const url = await tool.listen({ hostname: "127.0.0.1", port: 0 });
  return { tool, url };
}

Deno.test("JSON bodies over a socket: valid, malformed, empty, not an object, too large", async () => {
  const { tool, url } = await serving();
  try {
    tool.bodyLimit = 64;
    const o = owner("shop/items");
    const Item = z.object({ name: z.string().min(1), price: z.number().positive() });
    const http = tool.forOwner(o);
    http.addEndpoint("/items", "POST", (d) => ({ success: true, data: d }), { body: Item });
    http.addEndpoint("/any", "POST", (d) => ({ success: true, data: d }));
    http.addEndpoint("/any/:id", "POST", (d) => ({ success: true, data: d }));
    tool.activate(o);
    const post = (path: string, body: string, type = "application/json") =>
      fetch(`${url}${path}`, { method: "POST", body, headers: { "content-type": type } });

    const ok = await post("/items", JSON.stringify({ name: "tea", price: 3.5, extra: 1 }));
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("content-type"), "application/json");
    assert.match(ok.headers.get("x-request-id") ?? "", /^[0-9a-f]{8}-[0-9a-z]+$/);
    assert.deepEqual(await ok.json(), { success: true, data: { name: "tea", price: 3.5 } });

    const bad = await post("/items", JSON.stringify({ name: "", price: 3.5 }));
    assert.equal(bad.status, 400);
    assert.deepEqual((await bad.json()).details.map((i: { field: string }) => i.field), ["name"]);

    const mj = await post("/items", "{not json");
    assert.equal(mj.status, 400);
    assert.match((await mj.json()).error, /Malformed JSON/);

    const arr = await post("/any", "[1,2]");
    assert.equal(arr.status, 400);
    assert.match((await arr.json()).error, /must be an object/);

    const empty = await post("/any", "");
    assert.deepEqual(await empty.json(), { success: true, data: {} });

    const big = await post("/any", JSON.stringify({ s: "x".repeat(100) }));
    assert.equal(big.status, 413);
    await big.body?.cancel();

    // merged with params and the query string, later wins
    const merged = await post("/any/7?q=1&id=query", JSON.stringify({ b: 2 }));
    assert.deepEqual(await merged.json(), { success: true, data: { q: "1", id: "7", b: 2 } });

    const form = await post("/any", "a=1&b=2", "application/x-www-form-urlencoded");
    assert.deepEqual(await form.json(), { success: true, data: { a: "1", b: "2" } });

    const xml = await post("/any", "<x/>", "application/xml");
    assert.equal(xml.status, 415);
    await xml.body?.cancel();
  } finally {
    await tool.quiesce(1000);
  }
});

Deno.test("the access line is built only when the sink says its level is on", async () => {
  const lines: { level: string; message: string }[] = [];
  let min = "info";
  const order = ["debug", "info", "warn", "error"];
  const at = (level: string) => (message: string) => lines.push({ level, message });
  const sink: LogSink & { isEnabled(level: string): boolean } = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    isEnabled: (level) => order.indexOf(level) >= order.indexOf(min),
  };
  const tool = new HttpTool();
  tool.setup(standaloneContext({ log: sink }));
  const o = owner("shop/log");
  tool.forOwner(o).addEndpoint("/ok", "GET", () => ({ success: true }));
  tool.activate(o);
  lines.length = 0;
  await (await tool.fetch(new Request("http://t/ok"))).body?.cancel();
  await (await tool.fetch(new Request("http://t/missing"))).body?.cancel();
  assert.deepEqual(lines.map((l) => `${l.level} ${l.message.replace(/\d+ms$/, "")}`), [
    "info GET /missing 404 ",
  ]);
  min = "debug"; // a level change is seen at once
  await (await tool.fetch(new Request("http://t/ok"))).body?.cancel();
  assert.equal(lines.length, 2);
  assert.match(lines[1].message, /^GET \/ok 200 \d+ms$/);
});

Deno.test("text, status and empty results keep their headers", async () => {
  const { tool, url } = await serving();
  try {
    const o = owner("shop/kinds");
    const http = tool.forOwner(o);
    http.addEndpoint("/text", "GET", () => "hi");
    http.addEndpoint("/bytes", "GET", () => new Uint8Array([1, 2]));
    http.addEndpoint("/created", "POST", (_d, ctx) => {
      ctx.setStatus(201);
      return { success: true };
    });
    http.addEndpoint("/none", "GET", () => undefined);
    tool.activate(o);
    tool.requestIds({ from: "x-request-id" });
    const text = await fetch(`${url}/text`, { headers: { "x-request-id": "t-1" } });
    assert.equal(text.headers.get("content-type"), "text/plain;charset=UTF-8");
    assert.equal(text.headers.get("x-request-id"), "t-1");
    assert.equal(await text.text(), "hi");
    const bytes = await fetch(`${url}/bytes`);
    assert.equal(bytes.headers.get("content-type"), "application/octet-stream");
    assert.deepEqual(new Uint8Array(await bytes.arrayBuffer()), new Uint8Array([1, 2]));
    const created = await fetch(`${url}/created`, { method: "POST" });
    assert.equal(created.status, 201);
    assert.ok(created.headers.get("x-request-id"));
    assert.deepEqual(await created.json(), { success: true });
    const none = await fetch(`${url}/none`);
    assert.equal(none.status, 204);
    assert.ok(none.headers.get("x-request-id"));
    await none.body?.cancel();
  } finally {
    await tool.quiesce(1000);
  }
});
