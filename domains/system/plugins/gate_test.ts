import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import { setRemoteAddr } from "@tools/http/mod.ts";
import EventsPlugin from "./events.ts";
import MetricsPlugin from "./metrics.ts";
import StatusPlugin from "./status.ts";
import TracesPlugin from "./traces.ts";

const GATED = [
  [StatusPlugin, "/system/status"],
  [EventsPlugin, "/system/events"],
  [TracesPlugin, "/system/traces"],
  [MetricsPlugin, "/metrics"],
] as const;

Deno.test("every /system endpoint and /metrics: from another host without a token, 403 and no data", async () => {
  for (const [Plugin, path] of GATED) {
    await using t = await bootPlugin(Plugin);
    const req = setRemoteAddr(new Request(`http://test.local${path}`), {
      transport: "tcp",
      hostname: "203.0.113.7",
      port: 40000,
    });
    const res = await t.http.fetch(req);
    assert.equal(res.status, 403, path);
    const body = await res.json();
    assert.equal(body.success, false, path);
    assert.equal(body.data, undefined, path);
    assert.match(body.error, /loopback clients only/, path);
  }
});
