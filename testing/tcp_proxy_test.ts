import assert from "node:assert/strict";
import { TcpProxy } from "./tcp_proxy.ts";

/** An echo server on a free port. */
function echoServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const c of listener) {
      conns.add(c);
      c.readable.pipeTo(c.writable).catch(() => {}).finally(() => conns.delete(c));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      listener.close();
      for (const c of conns) c.close();
    },
  };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function roundTrip(conn: Deno.Conn, text: string, timeoutMs = 1000): Promise<string | null> {
  await conn.write(new TextEncoder().encode(text));
  const buf = new Uint8Array(64);
  const timer = Promise.withResolvers<null>();
  const id = setTimeout(() => timer.resolve(null), timeoutMs);
  try {
    const n = await Promise.race([conn.read(buf), timer.promise]);
    return n === null ? null : new TextDecoder().decode(buf.subarray(0, n));
  } finally {
    clearTimeout(id);
  }
}

Deno.test("tcp proxy: forwards, refuses when cut, forwards again on the same port", async () => {
  const echo = echoServer();
  await using proxy = await TcpProxy.start({ port: echo.port });
  try {
    const a = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    assert.equal(await roundTrip(a, "hello"), "hello");
    assert.equal(proxy.mode, "open");
    proxy.cut();
    assert.equal(proxy.mode, "refused");
    const afterCut = await roundTrip(a, "lost").catch(() => null);
    assert.equal(afterCut, null, "the open connection is closed");
    a.close();
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: proxy.port }));
    proxy.restore();
    const b = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    assert.equal(await roundTrip(b, "again"), "again");
    assert.equal(proxy.connections, 2);
    b.close();
  } finally {
    echo.close();
  }
});

Deno.test("tcp proxy: a stall holds bytes until restored; nothing is lost", async () => {
  const echo = echoServer();
  await using proxy = await TcpProxy.start({ port: echo.port });
  try {
    const a = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    assert.equal(await roundTrip(a, "one"), "one");
    proxy.stall();
    const enc = new TextEncoder();
    const reply = (c: Deno.Conn) => {
      const buf = new Uint8Array(16);
      return c.read(buf).then((n) => new TextDecoder().decode(buf.subarray(0, n ?? 0)));
    };
    await a.write(enc.encode("two"));
    const fromA = reply(a);
    // New connections are accepted while stalled, and carry nothing either.
    const b = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    await b.write(enc.encode("three"));
    const fromB = reply(b);
    const early = await Promise.race([fromA, fromB, delay(150).then(() => "nothing")]);
    assert.equal(early, "nothing", "no answer while stalled");
    proxy.restore();
    assert.equal(await fromA, "two");
    assert.equal(await fromB, "three");
    a.close();
    b.close();
  } finally {
    echo.close();
  }
});

Deno.test("tcp proxy: a cut after a stall refuses; a stall after a cut listens again", async () => {
  const echo = echoServer();
  await using proxy = await TcpProxy.start({ port: echo.port });
  try {
    proxy.stall();
    proxy.cut();
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: proxy.port }));
    proxy.stall();
    const a = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    proxy.restore();
    assert.equal(await roundTrip(a, "up"), "up");
    a.close();
  } finally {
    echo.close();
  }
});
