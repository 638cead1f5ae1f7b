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
      for (const c of conns) {
        try {
          c.close();
        } catch { /* the proxy closed it first */ }
      }
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

/** What `conn` reads next within `ms`: text, "EOF" (closed), or "nothing". */
async function next(conn: Deno.Conn, ms = 1000): Promise<string> {
  const buf = new Uint8Array(64);
  let id: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"nothing">((r) => id = setTimeout(() => r("nothing"), ms));
  try {
    const n = await Promise.race([conn.read(buf).catch(() => null), timeout]);
    return n === "nothing" ? n : n === null ? "EOF" : new TextDecoder().decode(buf.subarray(0, n));
  } finally {
    clearTimeout(id);
  }
}

Deno.test("tcp proxy: connects to the target's own hostname, not always 127.0.0.1", async () => {
  const echo = echoServer();
  // the echo server is on 127.0.0.1, but the target names a host that does not exist
  await using proxy = await TcpProxy.start({ hostname: "no-such-host.invalid", port: echo.port });
  try {
    const a = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    await a.write(new TextEncoder().encode("hi"));
    assert.equal(await next(a), "EOF", "closed: the target could not be reached");
    a.close();
  } finally {
    echo.close();
  }
});

Deno.test("tcp proxy: a cut closes idle connections at once; cut twice is fine; restore is open", async () => {
  const echo = echoServer();
  await using proxy = await TcpProxy.start({ port: echo.port });
  try {
    const a = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    assert.equal(await roundTrip(a, "hi"), "hi");
    proxy.cut();
    assert.equal(await next(a), "EOF", "closed without the client sending anything");
    a.close();
    proxy.cut();
    assert.equal(proxy.mode, "refused");
    proxy.restore();
    assert.equal(proxy.mode, "open");
    proxy.cut(); // …and disposing after a cut closes cleanly
  } finally {
    echo.close();
  }
});

Deno.test("tcp proxy: close, and leaving an `await using` scope, stop it and close its connections", async () => {
  const echo = echoServer();
  try {
    const proxy = await TcpProxy.start({ port: echo.port });
    const a = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    assert.equal(await roundTrip(a, "x"), "x");
    await proxy.close();
    assert.equal(await next(a), "EOF");
    a.close();
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: proxy.port }));
    let port = 0;
    {
      await using scoped = await TcpProxy.start({ port: echo.port });
      port = scoped.port;
    }
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
  } finally {
    echo.close();
  }
});

Deno.test("tcp proxy: a target that is down closes the client's connection", async () => {
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (dead.addr as Deno.NetAddr).port;
  dead.close();
  await using proxy = await TcpProxy.start({ port });
  const a = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  assert.equal(await next(a), "EOF");
  a.close();
});

Deno.test("tcp proxy: the target closing its side closes the client's", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const c of listener) {
      const buf = new Uint8Array(16);
      await c.read(buf);
      await c.write(new TextEncoder().encode("bye"));
      c.close();
    }
  })().catch(() => {});
  await using proxy = await TcpProxy.start({ port: (listener.addr as Deno.NetAddr).port });
  try {
    const a = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    assert.equal(await roundTrip(a, "hello"), "bye");
    assert.equal(await next(a), "EOF");
    a.close();
  } finally {
    listener.close();
    await served;
  }
});
