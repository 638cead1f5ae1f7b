import assert, { deepEqual, equal } from "node:assert/strict";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import type { Limits } from "./guarded_listener.ts";
import { owner } from "./test_helpers.ts";
import { HttpTool } from "./tool.ts";

const enc = new TextEncoder();
const NO_LIMITS: Limits = { headerTimeoutMs: 0, idleTimeoutMs: 0, maxConnections: 0 };

/** A tool listening with `limits`, with `GET /hi` and `GET /slow` (answers after 600 ms). */
async function guarded(limits: Partial<Limits>) {
  const log = recordingLog();
  const tool = new HttpTool();
  tool.setup(standaloneContext({ log }));
  const o = owner("shop/hi");
  tool.forOwner(o).addEndpoint("/hi", "GET", () => ({ success: true }));
  tool.forOwner(o).addEndpoint("/slow", "GET", async () => {
    await new Promise((r) => setTimeout(r, 600));
    return { success: true, slow: true };
  });
  tool.activate(o);
  const url = await tool.listen({ hostname: "127.0.0.1", port: 0, limits });
  const port = Number(new URL(url).port);
  return { tool, url, port, log: log.lines };
}

/** Resolves with the ms until the server closes `conn` (or `null` after `maxMs`). */
async function closedAfter(conn: Deno.Conn, t0: number, maxMs: number): Promise<number | null> {
  const buf = new Uint8Array(1024);
  const limit = new Promise<"open">((r) => setTimeout(() => r("open"), maxMs));
  for (;;) {
    const n = await Promise.race([conn.read(buf).catch(() => null), limit]);
    if (n === "open") return null;
    if (n === null) return performance.now() - t0;
    // bytes (an answer) are not expected from a connection that sent no request
    throw new Error(`unexpected bytes: ${new TextDecoder().decode(buf.subarray(0, n))}`);
  }
}

/** The raw answer to one request written on `conn` (read until the server closes). */
async function rawAnswer(conn: Deno.Conn): Promise<string> {
  const chunks: string[] = [];
  const buf = new Uint8Array(4096);
  const dec = new TextDecoder();
  for (;;) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) return chunks.join("");
    chunks.push(dec.decode(buf.subarray(0, n)));
  }
}

Deno.test("guarded: a client trickling its headers is closed at the header timeout; a prompt one is served meanwhile", async () => {
  const { tool, url, port } = await guarded({ headerTimeoutMs: 300, idleTimeoutMs: 0 });
  const slow = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const t0 = performance.now();
    await slow.write(enc.encode("GET /hi HTTP/1.1\r\nHost: x\r\n"));
    let trickling = true;
    (async () => {
      while (trickling) {
        await new Promise((r) => setTimeout(r, 40));
        await slow.write(enc.encode("X")).catch(() => trickling = false);
      }
    })();
    const res = await fetch(`${url}/hi`);
    deepEqual(await res.json(), { success: true });
    const ms = await closedAfter(slow, t0, 3000);
    trickling = false;
    assert(ms !== null, "the trickling connection was never closed");
    assert(ms >= 290 && ms < 1000, `closed after ${ms} ms, expected 300 ms + one sweep`);
    equal(
      tool.describe().connections &&
        (tool.describe().connections as Limits & { headerTimeouts: number }).headerTimeouts,
      1,
    );
  } finally {
    slow.close();
    await tool.quiesce(1000);
  }
});

Deno.test("guarded: a connection that completes its headers in time is served, and nothing is closed", async () => {
  const { tool, port } = await guarded({ headerTimeoutMs: 400, idleTimeoutMs: 0 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(enc.encode("GET /hi HTTP/1.1\r\nHost: x\r\n"));
    await new Promise((r) => setTimeout(r, 250));
    await conn.write(enc.encode("Connection: close\r\n\r\n"));
    const answer = await rawAnswer(conn);
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert(answer.endsWith('{"success":true}'), answer);
    await new Promise((r) => setTimeout(r, 300));
    deepEqual(tool.describe().connections, {
      open: 0,
      headerTimeouts: 0,
      idleTimeouts: 0,
      shed: 0,
      acceptErrors: 0,
    });
  } finally {
    conn.close();
    await tool.quiesce(1000);
  }
});

Deno.test("guarded: an idle keep-alive connection is closed after the idle timeout, a slow answer is not cut", async () => {
  const { tool, port } = await guarded({ headerTimeoutMs: 0, idleTimeoutMs: 300 });
  const idle = await Deno.connect({ hostname: "127.0.0.1", port });
  const busy = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await idle.write(enc.encode("GET /hi HTTP/1.1\r\nHost: x\r\n\r\n"));
    const buf = new Uint8Array(4096);
    const n = await idle.read(buf);
    assert.match(new TextDecoder().decode(buf.subarray(0, n!)), /^HTTP\/1\.1 200 OK/);
    const t0 = performance.now();
    await busy.write(enc.encode("GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const [idleMs, answer] = await Promise.all([closedAfter(idle, t0, 3000), rawAnswer(busy)]);
    assert(idleMs !== null && idleMs >= 250 && idleMs < 1200, `idle closed after ${idleMs} ms`);
    assert(answer.endsWith('{"success":true,"slow":true}'), answer); // 600 ms > idle timeout
    equal((tool.describe().connections as Record<string, number>).idleTimeouts, 1);
  } finally {
    idle.close();
    busy.close();
    await tool.quiesce(1000);
  }
});

Deno.test("guarded: beyond HTTP_MAX_CONNECTIONS a connection gets 503 and is closed; served again once one closes", async () => {
  const { tool, url, port, log } = await guarded({ maxConnections: 2, headerTimeoutMs: 0 });
  const held = [
    await Deno.connect({ hostname: "127.0.0.1", port }),
    await Deno.connect({ hostname: "127.0.0.1", port }),
  ];
  try {
    await new Promise((r) => setTimeout(r, 50)); // accepted
    const extra = await Deno.connect({ hostname: "127.0.0.1", port });
    await extra.write(enc.encode("GET /hi HTTP/1.1\r\nHost: x\r\n\r\n"));
    const answer = await rawAnswer(extra);
    extra.close();
    assert.match(answer, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(answer, /\r\nretry-after: 1\r\n/);
    assert.match(answer, /\r\nx-frame-options: DENY\r\n/); // the security headers too
    assert(
      answer.endsWith(
        '{"success":false,"error":"Server busy: too many open connections, try again shortly"}',
      ),
      answer,
    );
    assert(log.some((l) => l.level === "warn" && l.message.includes("HTTP_MAX_CONNECTIONS=2")));
    held.shift()!.close();
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${url}/hi`, { headers: { connection: "close" } });
    equal(res.status, 200);
    deepEqual(await res.json(), { success: true });
    equal((tool.describe().connections as Record<string, number>).shed, 1);
  } finally {
    for (const c of held) c.close();
    await tool.quiesce(1000);
  }
});

Deno.test("guarded: a WebSocket upgrade is refused with 501 saying which settings to unset", async () => {
  const { tool, port } = await guarded({ headerTimeoutMs: 1000 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(enc.encode(
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    ));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    const answer = new TextDecoder().decode(buf.subarray(0, n!));
    assert.match(answer, /^HTTP\/1\.1 501 Not Implemented\r\n/);
    assert.match(answer, /unset them to serve WebSocket routes/);
  } finally {
    conn.close();
    await tool.quiesce(1000);
  }
});

Deno.test("limits: all 0 is plain Deno.serve (no connection counters); a bad setting fails setup", async () => {
  const tool = new HttpTool();
  tool.setup(standaloneContext({}));
  await tool.listen({ hostname: "127.0.0.1", port: 0, limits: NO_LIMITS });
  try {
    equal(tool.describe().connections, undefined);
  } finally {
    await tool.quiesce(1000);
  }
  for (const [name, value] of [["HTTP_MAX_CONNECTIONS", "ten"], ["HTTP_HEADER_TIMEOUT_MS", "-1"]]) {
    assert.throws(
      () => new HttpTool().setup(standaloneContext({ env: { [name]: value } })),
      { message: `${name} must be a whole number >= 0 (0 = off): ${value}` },
    );
  }
});
