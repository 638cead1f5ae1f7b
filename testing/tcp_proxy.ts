/**
 * A TCP proxy a fault test owns: put it between the app and a service (PostgreSQL, Redis, NATS),
 * then cut or stall it while requests flow, and restore it. The service itself is never touched.
 *
 * @example
 * ```ts
 * import { TcpProxy } from "@microcore/testing/tcp_proxy.ts";
 * await using proxy = await TcpProxy.start({ port: 6379 });
 * // point the app at 127.0.0.1:${proxy.port}
 * proxy.cut(); // the service is "down": open connections reset, new ones refused
 * proxy.restore(); // back up
 * ```
 * @module
 */

/** What the proxy does now. */
export type ProxyMode =
  /** Forwards bytes both ways. */
  | "open"
  /** Open connections are closed and new ones refused, as when the service stops. */
  | "refused"
  /** Connections are accepted and kept, but no byte moves either way: a network partition. */
  | "stalled";

/** Where the proxy forwards to. */
export interface ProxyTarget {
  /** Default `127.0.0.1`. */
  hostname?: string;
  port: number;
}

/** A TCP proxy on 127.0.0.1, on a port of its own, forwarding to one service. */
export class TcpProxy implements AsyncDisposable {
  /** The port the app should connect to. */
  readonly port: number;
  readonly #target: Required<ProxyTarget>;
  #listener: Deno.Listener | undefined;
  #mode: ProxyMode = "open";
  #conns = new Set<Deno.Conn>();
  #resume = Promise.withResolvers<void>();
  #accepting: Promise<void> | undefined;
  #connections = 0;

  private constructor(listener: Deno.Listener, target: Required<ProxyTarget>) {
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.#target = target;
    this.#accepting = this.#accept(listener);
  }

  /** Listen on a free port and forward to `target`. */
  static start(target: ProxyTarget): Promise<TcpProxy> {
    const t = { hostname: target.hostname ?? "127.0.0.1", port: target.port };
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return Promise.resolve(new TcpProxy(listener, t));
  }

  /** What the proxy does now. */
  get mode(): ProxyMode {
    return this.#mode;
  }

  /** Connections accepted since start (each one the app opened through the proxy). */
  get connections(): number {
    return this.#connections;
  }

  /** The service goes away: every open connection is closed and new ones are refused. */
  cut(): void {
    this.#mode = "refused";
    this.#listener?.close();
    this.#listener = undefined;
    for (const c of this.#conns) closeQuietly(c);
    // Stryker disable next-line CallExpression: closed connections only; closing them again is quiet
    this.#conns.clear();
  }

  /** The network stalls: connections stay open (and new ones are accepted) but carry nothing. */
  stall(): void {
    if (this.#mode === "refused") this.#listen();
    this.#mode = "stalled";
  }

  /** Back to forwarding. Stalled bytes flow again; after a cut, new connections are accepted. */
  restore(): void {
    if (this.#mode === "refused") this.#listen();
    this.#mode = "open";
    this.#resume.resolve();
    this.#resume = Promise.withResolvers<void>();
  }

  /** Stop listening and close every connection. */
  async close(): Promise<void> {
    this.cut();
    this.#resume.resolve();
    await this.#accepting;
  }

  /** `await using proxy = await TcpProxy.start(…)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #listen(): void {
    // The same port, so the app's configured address works again.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: this.port });
    this.#listener = listener;
    this.#accepting = this.#accept(listener);
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    try {
      for await (const client of listener) {
        this.#connections++;
        this.#forward(client).catch(() => {});
      }
    } catch {
      // The listener was closed.
    }
  }

  async #forward(client: Deno.Conn): Promise<void> {
    this.#conns.add(client);
    let server: Deno.Conn;
    try {
      server = await Deno.connect(this.#target);
    } catch {
      this.#conns.delete(client);
      closeQuietly(client);
      return;
    }
    if (!this.#conns.has(client)) { // cut while connecting
      closeQuietly(server);
      return;
    }
    this.#conns.add(server);
    const done = () => {
      for (const c of [client, server]) {
        this.#conns.delete(c);
        closeQuietly(c);
      }
    };
    await Promise.race([this.#pipe(client, server), this.#pipe(server, client)]).finally(done);
  }

  /** Read afresh each time: the mode changes while a pipe awaits. */
  #stalled(): boolean {
    return this.#mode === "stalled";
  }

  async #pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    while (true) {
      // Stryker disable next-line ConditionalExpression: bytes read during a stall are held below anyway
      while (this.#stalled()) await this.#resume.promise;
      let n: number | null;
      try {
        n = await from.read(buf);
      } catch {
        return;
      }
      if (n === null) return;
      // Bytes read during a stall are held until it ends.
      while (this.#stalled()) await this.#resume.promise;
      // Stryker disable next-line ConditionalExpression,StringLiteral: after a cut `to` is closed, so the write below fails and returns too
      if (this.#mode === "refused") return;
      try {
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      } catch {
        return;
      }
    }
  }
}

function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch {
    // Already closed.
  }
}
