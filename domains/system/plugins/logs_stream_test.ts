import assert from "node:assert/strict";
import { BasePlugin } from "@core";
import { bootPlugin } from "@microcore/testing";
import type { Config } from "@tools/config/mod.ts";
import { type Http, setRemoteAddr } from "@tools/http/mod.ts";
import type { Logger } from "@tools/logger/mod.ts";
import LogsStreamPlugin from "./logs_stream.ts";

/** Serves the stream and logs when told to. */
class Noisy extends BasePlugin {
  constructor(private http: Http, private logger: Logger, private config: Config) {
    super();
  }
  override onBoot() {
    new LogsStreamPlugin(this.http, this.logger, this.config).onBoot();
  }
  say(level: "info" | "warn", message: string, props?: Record<string, unknown>) {
    this.logger[level](message, props);
  }
}

/** Reads SSE events (`event` and parsed `data`) from `body` until `n` arrived. */
async function events(body: ReadableStream<Uint8Array>, n: number, onReady: () => void) {
  const out: { event: string; data: unknown }[] = [];
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event) continue;
      out.push({ event, data: data ? JSON.parse(data) : undefined });
      if (event === "ready") onReady();
    }
  }
  await reader.cancel();
  return out;
}

Deno.test("GET /system/logs/stream: records from now on, filtered by level and owner", async () => {
  await using t = await bootPlugin(Noisy, { id: "shop/noisy", domains: [] });
  const res = await t.http.fetch(
    new Request("http://test.local/system/logs/stream?level=warn&owner=shop"),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const got = await events(res.body!, 3, () => {
    const p = t.plugin as Noisy;
    p.say("info", "too low");
    p.say("warn", "stock low", { sku: "A-1" });
    p.say("warn", "second");
  });
  assert.equal(got[0].event, "ready");
  const logs = got.slice(1).map((e) => {
    const { time, ...rest } = e.data as { time: string };
    assert.match(time, /^\d{4}-\d\d-\d\dT/);
    return [e.event, rest];
  });
  assert.deepEqual(logs, [
    ["log", { level: "warn", owner: "shop/noisy", message: "stock low", props: { sku: "A-1" } }],
    ["log", { level: "warn", owner: "shop/noisy", message: "second" }],
  ]);
});

Deno.test("GET /system/logs/stream from another host without a token: 403, no stream", async () => {
  await using t = await bootPlugin(Noisy, { id: "shop/noisy", domains: [] });
  const req = setRemoteAddr(new Request("http://test.local/system/logs/stream"), {
    transport: "tcp",
    hostname: "203.0.113.7",
    port: 40000,
  });
  const res = await t.http.fetch(req);
  assert.equal(res.status, 403);
  assert.match((await res.json()).error, /loopback clients only/);
});
