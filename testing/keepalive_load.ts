/**
 * Load that counts what a client without retries (like wrk) would: clients that each send
 * requests one after another on a keep-alive connection over a raw socket, reconnecting only
 * when a response asks them to (`connection: close`). A connection that ends before its
 * response is a failed request, never retried.
 * @module
 */

/** What the clients saw so far. */
export interface LoadTally {
  /** 2xx responses. */
  ok: number;
  /** Other statuses, and requests whose connection ended or failed first. */
  failed: number;
  /** Responses that asked the client to reconnect. */
  closeAsked: number;
  /** Responses by body text (e.g. which process answered). */
  bodies: Map<string, number>;
}

/** A running load; `stop()` lets each client finish its request and resolves the tally. */
export interface KeepAliveLoad {
  tally: LoadTally;
  stop(): Promise<LoadTally>;
}

/** One response off `conn` (HTTP/1.1 with content-length). Throws when the connection ends first. */
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

/** Start `clients` keep-alive clients sending `GET path` to 127.0.0.1:`port`. */
export function keepAliveLoad(port: number, clients = 16, path = "/"): KeepAliveLoad {
  const tally: LoadTally = { ok: 0, failed: 0, closeAsked: 0, bodies: new Map() };
  const request = new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nhost: test\r\n\r\n`);
  let done = false;
  const runs = Array.from({ length: clients }, async () => {
    let conn: Deno.TcpConn | undefined;
    const buf = { text: "" };
    while (!done) {
      try {
        if (!conn) {
          conn = await Deno.connect({ hostname: "127.0.0.1", port });
          buf.text = "";
        }
        await conn.write(request);
        const res = await readResponse(conn, buf);
        if (res.status >= 200 && res.status < 300) tally.ok++;
        else tally.failed++;
        tally.bodies.set(res.body, (tally.bodies.get(res.body) ?? 0) + 1);
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
        // A refused connection (nothing listening) must not spin.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    try {
      conn?.close();
    } catch { /* closed */ }
  });
  return {
    tally,
    async stop() {
      done = true;
      await Promise.all(runs);
      return tally;
    },
  };
}
