/**
 * One connection to Redis through node-redis (`@redis/client`), made to survive faults:
 *
 * - every call is bounded by `timeoutMs`; one that gets no answer in time rejects with a
 *   {@link StateError} of kind `timeout`;
 * - while Redis is away (refused, reset, reconnecting) calls reject at once with kind
 *   `unavailable`, without waiting (node-redis's offline queue is off);
 * - node-redis reconnects with backoff (`backoffMs`, doubling up to `maxBackoffMs`); a
 *   connection that answers nothing for `timeoutMs` while a call waits (a stalled network, a
 *   half-open socket) is dropped and opened again, since TCP alone would take minutes to notice;
 * - every change between answering and not is reported to {@link RedisConnection.onHealth}.
 * @module
 */
import { createClient, ErrorReply } from "@redis/client";
import { Deadlines } from "./deadlines.ts";
import type { DriverHealth } from "./driver.ts";
import { StateError } from "./errors.ts";
import { describeFailure, isNotNow, isRefusal } from "./redis_reasons.ts";
import type { RedisTarget } from "./redis_url.ts";

/** A reply from Redis (RESP2, as strings). */
export type Reply = string | number | null | Reply[];

/** What this module uses of a node-redis client. */
interface Client {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  sendCommand(args: string[]): Promise<unknown>;
}

/** Options of {@link RedisConnection.open}. */
export interface RedisConnectionOptions {
  /** The bound on each call, on connecting and on waiting for the first connection. */
  timeoutMs: number;
  /** PEM certificate(s) of a private CA to trust for `rediss://` (besides the public roots). */
  ca?: string;
  /** First reconnect delay (default 50 ms); it doubles at each failed attempt. */
  backoffMs?: number;
  /** Longest reconnect delay (default 1000 ms). */
  maxBackoffMs?: number;
}

/** See the module documentation. */
export class RedisConnection {
  /** Where the connection goes. */
  readonly target: RedisTarget;
  /** The bound on each call. */
  readonly timeoutMs: number;
  readonly #options: RedisConnectionOptions;
  #client: Client;
  readonly #listeners: ((h: DriverHealth) => void)[] = [];
  readonly #deadlines: Deadlines;
  #health: DriverHealth;
  /** Replies received so far: a call that times out with none since it was sent means a stall. */
  #replies = 0;
  /** `open` is still deciding: a refusal now is configuration, and stops the attempts. */
  #opening = true;
  #closing = false;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  /** Settled by the first connection attempt: ready, a network failure, or a refusal. */
  readonly #first = Promise.withResolvers<"ready" | "failed">();

  private constructor(target: RedisTarget, o: RedisConnectionOptions) {
    this.target = target;
    this.timeoutMs = o.timeoutMs;
    this.#deadlines = new Deadlines(o.timeoutMs);
    this.#health = { state: "degraded", reason: this.#unreachable("not connected yet") };
    this.#options = o;
    this.#client = this.#newClient();
  }

  /**
   * A client of its own for each (re)opening: a client destroyed mid-handshake can still decode
   * its old socket's late replies into its queue, so it is never reused. Events of a client that
   * was replaced are ignored.
   */
  #newClient(): Client {
    const o = this.#options, target = this.target;
    const first = o.backoffMs ?? 50, max = o.maxBackoffMs ?? 1000;
    const tls = target.tls
      ? {
        tls: true as const,
        ...(o.ca ? { ca: o.ca } : {}),
        ...(/^[\d.]+$|:/.test(target.host) ? {} : { servername: target.host }),
      }
      : {};
    const client = createClient({
      RESP: 2,
      username: target.username,
      password: target.password,
      database: target.db || undefined,
      disableOfflineQueue: true,
      // Bounded here, around the whole round trip (node-redis's own timeout stops at the write).
      commandOptions: { timeout: 0 },
      socket: {
        host: target.host,
        port: target.port,
        connectTimeout: o.timeoutMs,
        ...tls,
        reconnectStrategy: (retries: number, cause: Error) => {
          if (this.#closing || client !== this.#client) return false;
          // Wrong credentials or an untrusted certificate at boot are configuration: stop.
          if (this.#opening && isRefusal(cause)) return cause;
          return Math.min(first * 2 ** retries, max);
        },
      },
    });
    client.on("ready", () => {
      if (client !== this.#client) return;
      clearTimeout(this.#watchdog);
      this.#set({ state: "ready" });
      this.#first.resolve("ready");
    });
    client.on("error", (err: Error) => {
      if (this.#closing || client !== this.#client) return;
      this.#set({ state: "degraded", reason: this.#unreachable(describeFailure(err)) });
      if (!isRefusal(err)) this.#first.resolve("failed");
    });
    return client;
  }

  /**
   * Connect to `target`. Resolves once connected, or as soon as the first attempt fails for a
   * network reason or takes longer than `timeoutMs`: then the connection starts degraded and
   * keeps trying in the background. Rejects when Redis refuses the credentials or the TLS
   * certificate is not trusted (configuration to fix, not an outage).
   */
  static async open(
    target: RedisTarget,
    options: RedisConnectionOptions,
  ): Promise<RedisConnection> {
    const conn = new RedisConnection(target, options);
    const connected = conn.#client.connect();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<"slow">((r) =>
      timer = setTimeout(() => r("slow"), options.timeoutMs)
    );
    try {
      const first = await Promise.race([
        connected.then(() => "ready"),
        conn.#first.promise,
        waited,
      ]);
      // Without a password a protected server still connects; its first command says NOAUTH.
      if (first === "ready") await conn.#checkCredentials();
      if (first === "slow" && conn.#health.state === "degraded") {
        conn.#set({
          state: "degraded",
          reason: conn.#unreachable(`no answer within ${options.timeoutMs} ms`),
        });
        conn.#watch();
      }
    } catch (err) {
      conn.#closing = true;
      conn.#deadlines.clear();
      if (conn.#client.isOpen) conn.#client.destroy();
      throw new Error(
        `Redis at ${target.address} (REDIS_URL=${target.safeUrl}) refused the connection: ` +
          `${describeFailure(err)}`,
        { cause: err },
      );
    } finally {
      conn.#opening = false; // from here on, a refusal is one more reason to keep trying
      clearTimeout(timer);
      connected.catch(() => {}); // it keeps trying in the background, or failed just above
    }
    return conn;
  }

  /** Rejects when Redis refuses commands for want of credentials; other failures pass. */
  async #checkCredentials(): Promise<void> {
    try {
      await this.call(["PING"]);
    } catch (err) {
      const cause = err instanceof StateError ? err.cause : err;
      if (isRefusal(cause)) throw cause;
    }
  }

  /** Whether Redis answers now, and why not. */
  get health(): DriverHealth {
    return this.#health;
  }

  /** Call `listener` on every change of {@link RedisConnection.health}. */
  onHealth(listener: (h: DriverHealth) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Send one command. Rejects with a {@link StateError} (`unavailable` at once while not
   * connected, `timeout` after `timeoutMs`), or with node-redis's `ErrorReply` when Redis
   * answered with an error.
   */
  call(args: string[]): Promise<Reply> {
    if (!this.#client.isReady) return Promise.reject(this.#unavailable(args[0], false));
    const seen = this.#replies;
    return new Promise<Reply>((resolve, reject) => {
      const deadline = this.#deadlines.start(() => {
        reject(this.#timedOut(args[0]));
        if (this.#replies === seen) this.#stalled();
      });
      this.#client.sendCommand(args).then((reply) => {
        this.#replies++;
        this.#deadlines.settle(deadline);
        resolve(reply as unknown as Reply);
      }, (err: unknown) => {
        this.#deadlines.settle(deadline);
        if (!(err instanceof ErrorReply)) return reject(this.#unavailable(args[0], true, err));
        this.#replies++;
        // Loading or busy: it may have run. Credentials revoked: it did not.
        if (isNotNow(err)) return reject(this.#unavailable(args[0], true, err));
        reject(isRefusal(err) ? this.#unavailable(args[0], false, err) : err);
      });
    });
  }

  /** Close the connection: pending calls get their replies (for at most `timeoutMs`). */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#watchdog);
    this.#deadlines.clear();
    if (this.#client.isReady) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#client.close().catch(() => {}),
        new Promise((r) => timer = setTimeout(r, this.timeoutMs)),
      ]);
      clearTimeout(timer);
    }
    if (this.#client.isOpen) this.#client.destroy();
  }

  /** Nothing came back for `timeoutMs` while a call waited: drop the socket and open anew. */
  #stalled(): void {
    if (this.#closing || !this.#client.isReady) return;
    this.#set({
      state: "degraded",
      reason: this.#unreachable(`no answer within ${this.timeoutMs} ms`),
    });
    this.#reopen();
  }

  #reopen(): void {
    if (this.#closing) return;
    const old = this.#client;
    this.#client = this.#newClient();
    if (old.isOpen) old.destroy();
    this.#client.connect().catch(() => {});
    this.#watch();
  }

  /** A new socket into a stalled network may hang in its handshake: open anew if so. */
  #watch(): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => {
      if (!this.#client.isReady) this.#reopen();
    }, this.timeoutMs);
  }

  #unreachable(reason: string): string {
    return `Redis at ${this.target.address} unreachable: ${reason}`;
  }

  #timedOut(command: string | undefined): StateError {
    return new StateError(
      "timeout",
      `Redis at ${this.target.address} did not answer ${command} within ${this.timeoutMs} ms ` +
        `(STATE_TIMEOUT_MS): the call may or may not have been applied`,
    );
  }

  /** `sent`: the command may have run before the failure (else it surely did not). */
  #unavailable(command: string | undefined, sent: boolean, cause?: unknown): StateError {
    // Health may still say ready for a moment after the socket failed: then say why from here.
    const reason = this.#health.state === "degraded"
      ? this.#health.reason
      : this.#unreachable(cause === undefined ? "not connected" : describeFailure(cause));
    const fate = sent ? "may or may not have been applied" : "was not run";
    return new StateError(
      "unavailable",
      `${reason}; ${command} ${fate}. The state tool reconnects by itself: retry shortly`,
      { cause },
    );
  }

  #set(h: DriverHealth): void {
    if (h.state === this.#health.state && h.reason === this.#health.reason) return;
    this.#health = h;
    for (const l of this.#listeners) l(h);
  }
}
