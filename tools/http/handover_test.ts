/**
 * A restart that drops nothing: two processes' listeners on one port (SO_REUSEPORT), the old one
 * stopped while clients keep sending on keep-alive connections. Here two tools in one process
 * stand for the two processes.
 */
import assert from "node:assert/strict";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { owner } from "./test_helpers.ts";
import { HttpTool } from "./tool.ts";

async function app(name: string, env: Record<string, string>, port: number) {
  const tool = new HttpTool();
  tool.setup(standaloneContext({ log: recordingLog(), env, mode: "start" }));
  const o = owner(`app/${name}`);
  tool.forOwner(o).addEndpoint("/who", "GET", () => ({ success: true, data: name }));
  tool.activate(o);
  const url = await tool.listen({
    hostname: "127.0.0.1",
    port,
    reusePort: env.HTTP_REUSE_PORT === "true",
  });
  return { tool, port: Number(new URL(url).port) };
}

/**
 * One response read off a raw connection: status, whether it asked to close, the body. Throws
 * when the connection ends first (what a client without retries, like wrk, counts as an error).
 */
async function readResponse(conn: Deno.TcpConn, buf: { text: string }) {
  const dec = new TextDecoder();
  const chunk = new Uint8Array(16384);
  while (true) {
    const end = buf.text.indexOf("\r\n\r\n");
    if (end >= 0) {
      const head = buf.text.slice(0, end).toLowerCase();
      const len = Number(/content-length: (\d+)/.exec(head)?.[1] ?? 0);
      if (buf.text.length >= end + 4 + len) {
        const body = buf.text.slice(end + 4, end + 4 + len);
        buf.text = buf.text.slice(end + 4 + len);
        return {
          status: Number(head.slice(9, 12)),
          close: /\r\nconnection: close/.test(head),
          body,
        };
      }
    }
    const n = await conn.read(chunk);
    if (n === null) throw new Error("connection closed before the response");
    buf.text += dec.decode(chunk.subarray(0, n), { stream: true });
  }
}

/** `n` clients, each sending requests one after another on a keep-alive connection, no retries. */
function load(port: number, n: number, stop: { done: boolean }) {
  const tally = { ok: 0, failed: 0, closeAsked: 0, by: new Map<string, number>() };
  const clients = Array.from({ length: n }, async () => {
    let conn: Deno.TcpConn | undefined;
    const buf = { text: "" };
    while (!stop.done) {
      try {
        if (!conn) {
          conn = await Deno.connect({ hostname: "127.0.0.1", port });
          buf.text = "";
        }
        await conn.write(new TextEncoder().encode("GET /who HTTP/1.1\r\nhost: test\r\n\r\n"));
        const res = await readResponse(conn, buf);
        if (res.status === 200) tally.ok++;
        else tally.failed++;
        const who = JSON.parse(res.body).data as string;
        tally.by.set(who, (tally.by.get(who) ?? 0) + 1);
        if (res.close) {
          tally.closeAsked++;
          conn.close();
          conn = undefined;
        }
      } catch {
        tally.failed++;
        try {
          conn?.close();
        } catch { /* closed */ }
        conn = undefined;
      }
    }
    conn?.close();
  });
  return { tally, done: Promise.all(clients) };
}

Deno.test({
  name: "HTTP_REUSE_PORT: stopping the old listener under load drops no request; clients move over",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const env = { HTTP_REUSE_PORT: "true", HTTP_DRAIN_MS: "300" };
    const old = await app("old", env, 0);
    const stop = { done: false };
    const { tally, done } = load(old.port, 16, stop);
    await new Promise((r) => setTimeout(r, 300));
    const next = await app("new", env, old.port);
    await new Promise((r) => setTimeout(r, 200));
    await old.tool.quiesce(5000);
    await old.tool.shutdown();
    await new Promise((r) => setTimeout(r, 300));
    stop.done = true;
    await done;
    await next.tool.quiesce(5000);
    await next.tool.shutdown();
    assert.equal(tally.failed, 0, `failed requests: ${tally.failed} of ${tally.ok + tally.failed}`);
    assert.ok((tally.by.get("old") ?? 0) > 0 && (tally.by.get("new") ?? 0) > 0, `${[...tally.by]}`);
    assert.ok(tally.closeAsked > 0, "draining responses asked clients to reconnect");
  },
});

Deno.test("HTTP_REUSE_PORT and HTTP_DRAIN_MS are checked; without reuse a second listener is refused", async () => {
  for (
    const [env, msg] of [
      [{ HTTP_REUSE_PORT: "yes" }, /HTTP_REUSE_PORT must be true or false: yes/],
      [{ HTTP_DRAIN_MS: "-1" }, /HTTP_DRAIN_MS must be a whole number of ms >= 0: -1/],
    ] as const
  ) {
    assert.throws(() => new HttpTool().setup(standaloneContext({ env, log: recordingLog() })), msg);
  }
  const first = await app("first", {}, 0);
  try {
    const second = new HttpTool();
    second.setup(standaloneContext({ log: recordingLog() }));
    await assert.rejects(
      () => second.listen({ hostname: "127.0.0.1", port: first.port }),
      /already in use/,
    );
  } finally {
    await first.tool.shutdown();
  }
});
