/**
 * A tiny Redis client: RESP2 over `Deno.connect`, pipelined, enough for the state driver.
 * @module
 */

/** A reply from Redis. */
export type Reply = string | number | null | Reply[];

/** An error reply from Redis (`-ERR ...`). */
export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const CRLF = 0x0d;

interface Pending {
  resolve(r: Reply): void;
  reject(e: Error): void;
}

/** Parse one reply from `buf` at `pos`; returns `undefined` when more bytes are needed. */
function parse(buf: Uint8Array, pos: number): [Reply | RedisReplyError, number] | undefined {
  const eol = buf.indexOf(CRLF, pos);
  if (eol < 0 || eol + 1 >= buf.length) return undefined;
  const type = buf[pos];
  const line = dec.decode(buf.subarray(pos + 1, eol));
  const next = eol + 2;
  switch (type) {
    case 0x2b: // +
      return [line, next];
    case 0x2d: // -
      return [new RedisReplyError(line), next];
    case 0x3a: // :
      return [Number(line), next];
    case 0x24: { // $
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [dec.decode(buf.subarray(next, next + len)), next + len + 2];
    }
    case 0x2a: { // *
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: Reply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (!r) return undefined;
        if (r[0] instanceof RedisReplyError) throw r[0];
        out.push(r[0]);
        p = r[1];
      }
      return [out, p];
    }
    default:
      throw new Error(`Unexpected RESP type byte ${type}`);
  }
}

function encode(args: readonly (string | number)[]): Uint8Array {
  let s = `*${args.length}\r\n`;
  for (const a of args) {
    const str = String(a);
    s += `$${enc.encode(str).length}\r\n${str}\r\n`;
  }
  return enc.encode(s);
}

/** One connection to Redis; commands are pipelined and answered in order. */
export class RespClient {
  readonly #conn: Deno.TcpConn;
  readonly #pending: Pending[] = [];
  #buf = new Uint8Array(0);
  #closed = false;
  #reading: Promise<void>;
  #writing: Promise<unknown> = Promise.resolve();

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#reading = this.#readLoop();
  }

  /** Connect to `redis://[:password@]host:port[/db]`. */
  static async connect(url: string): Promise<RespClient> {
    const u = new URL(url);
    if (u.protocol !== "redis:") throw new Error(`Unsupported Redis URL ${u.protocol}//…`);
    const conn = await Deno.connect({
      hostname: u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
      port: Number(u.port || 6379),
    });
    conn.setNoDelay(true);
    const client = new RespClient(conn);
    try {
      if (u.password) {
        const pw = decodeURIComponent(u.password);
        await client.send(u.username ? ["AUTH", decodeURIComponent(u.username), pw] : ["AUTH", pw]);
      }
      const db = u.pathname.replace(/^\//, "");
      if (db) await client.send(["SELECT", db]);
      await client.send(["PING"]);
    } catch (e) {
      await client.close();
      throw e;
    }
    return client;
  }

  /** Send one command; resolves with its reply, rejects with a {@link RedisReplyError}. */
  send(args: readonly (string | number)[]): Promise<Reply> {
    if (this.#closed) return Promise.reject(new Error("Redis connection is closed"));
    const p = new Promise<Reply>((resolve, reject) => this.#pending.push({ resolve, reject }));
    const bytes = encode(args);
    this.#writing = this.#writing.then(() => this.#writeAll(bytes)).catch((e) => this.#fail(e));
    return p;
  }

  async #writeAll(bytes: Uint8Array) {
    let off = 0;
    while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
  }

  async #readLoop() {
    const chunk = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await this.#conn.read(chunk);
        if (n === null) break;
        const merged = new Uint8Array(this.#buf.length + n);
        merged.set(this.#buf);
        merged.set(chunk.subarray(0, n), this.#buf.length);
        let pos = 0;
        while (pos < merged.length) {
          const r = parse(merged, pos);
          if (!r) break;
          pos = r[1];
          const waiter = this.#pending.shift();
          if (r[0] instanceof RedisReplyError) waiter?.reject(r[0]);
          else waiter?.resolve(r[0]);
        }
        this.#buf = merged.slice(pos);
      }
      this.#fail(new Error("Redis closed the connection"));
    } catch (e) {
      this.#fail(this.#closed ? new Error("Redis connection is closed") : e as Error);
    }
  }

  #fail(e: Error) {
    for (const p of this.#pending.splice(0)) p.reject(e);
  }

  /** Close the connection; pending commands are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    await this.#reading;
  }
}
