/**
 * The NATS JetStream driver (`EVENT_BUS_DRIVER=nats`): several app instances share one bus
 * through a NATS server.
 *
 * - Every event is published to JetStream (subject `<stream>.<name>`, message id = event id)
 *   and kept until the server confirmed it: through an outage it is sent again with the same id
 *   (JetStream stores it once), up to `publishTimeoutMs` (see `nats_publisher.ts`).
 * - Ungrouped subscriptions: each instance reads the whole prefix through its own durable
 *   consumer (`i_<instance>`), which outlives a lost connection, and fans every event out to
 *   its local subscribers.
 * - Groups: one durable JetStream consumer per group name, shared by every instance that has
 *   subscriptions in that group; the server hands each event to one of them, which acknowledges
 *   it once its local subscriber is done (handled, or dead-lettered after its retries):
 *   at-least-once per group (see `nats_consumers.ts`).
 * - Requests: a responder is a NATS queue subscription on `<stream>_rpc.<name>` (queue
 *   `responders`), so one instance answers; no responder anywhere is `no_responder` at once.
 * - Status: while the connection is down the bus reports `degraded` naming the URL, `ready`
 *   once it is back (the client reconnects by itself, every ~0.5 s, forever).
 * @module
 */
import { connect } from "@nats-io/transport-node";
import {
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { withTimeout } from "@core";
import { BusError, errorMessage as msg } from "./errors.ts";
import { encodeEnvelope } from "./nats_codec.ts";
import { NatsConsumers } from "./nats_consumers.ts";
import { NatsPublisher } from "./nats_publisher.ts";
import { askResponder } from "./nats_responders.ts";
import { ensureStream } from "./nats_stream.ts";
import { subjectOf } from "./nats_subjects.ts";
import type { PublishReceipt } from "./receipt.ts";
import type { BusDriver, Deliver, DriverHost, DriverStats, Interest } from "./driver.ts";
import type { Envelope } from "./types.ts";

/** Options of {@link NatsDriver}. */
export interface NatsDriverOptions {
  /** Server URL(s), comma-separated (default `nats://127.0.0.1:4222`). */
  url?: string;
  /** Stream name, also the subject prefix (default `microcore`; letters, digits, `_`, `-`). */
  stream?: string;
  /** Stream storage (default `file`). */
  storage?: "file" | "memory";
  /**
   * How long a group event may go unacknowledged before the server redelivers it (10 s). A
   * handler still running keeps it alive (`working`, every third of this); what a dropped
   * connection lost in transit comes back after it; an acknowledgement lost with a connection
   * is sent again when it is back, so an outage shorter than this causes no redelivery.
   */
  ackWaitMs?: number;
  /**
   * A group consumer that no instance has pulled from for this long is deleted by the server,
   * and events stop being kept for it (default 24 h; also the stream's maximum age).
   */
  keepMs?: number;
  /**
   * How long the server keeps a disconnected instance's consumer, and the events for its
   * ungrouped subscriptions (default 10 min): an outage longer than this loses them.
   */
  instanceKeepMs?: number;
  /**
   * Bound on keeping and retrying an unconfirmed publish; past it the receipt rejects with kind
   * `unavailable` (default 10 000 ms; `EVENT_BUS_PUBLISH_TIMEOUT_MS`).
   */
  publishTimeoutMs?: number;
  /** Bound on draining the connection at close (default 2000 ms). */
  drainTimeoutMs?: number;
  /** Client heartbeat: a stalled connection is noticed after about twice this (default 2000). */
  pingIntervalMs?: number;
}

const DAY = 24 * 3600_000;

/**
 * A {@link BusDriver} over NATS JetStream.
 *
 * @example
 * ```ts
 * const bus = new EventBusTool({ driver: new NatsDriver({ stream: "shop" }) });
 * await bus.setup(ctx); // connects; fails naming the URL when the server is unreachable
 * ```
 */
export class NatsDriver implements BusDriver {
  /** Driver name for the status page. */
  readonly kind = "nats";
  /** JetStream redelivers: the bus removes duplicates by event id. */
  readonly atLeastOnce = true;
  /** The server URL(s), comma-separated. */
  readonly url: string;
  /** The JetStream stream, also the subject prefix. */
  readonly stream: string;
  /** This instance's id (its consumer is `i_<instance>`). */
  readonly instance: string = crypto.randomUUID().slice(0, 8);
  readonly #opts: Required<Omit<NatsDriverOptions, "url" | "stream">>;
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #host: DriverHost | undefined;
  #consumers: NatsConsumers | undefined;
  readonly #publisher: NatsPublisher;
  #up = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Callers of {@link NatsDriver.idle} waiting for `pending` to reach 0. */
  #idle: (() => void)[] = [];

  /** A driver for `options` (nothing happens until `open`). */
  constructor(options: NatsDriverOptions = {}) {
    this.url = options.url ?? "nats://127.0.0.1:4222";
    this.stream = options.stream ?? "microcore";
    if (!/^[A-Za-z0-9_-]+$/.test(this.stream)) {
      throw new Error(
        `EVENT_BUS_STREAM="${this.stream}": use letters, digits, "_" and "-" only`,
      );
    }
    this.#opts = {
      storage: options.storage ?? "file",
      ackWaitMs: options.ackWaitMs ?? 10_000,
      keepMs: options.keepMs ?? DAY,
      instanceKeepMs: options.instanceKeepMs ?? 600_000,
      publishTimeoutMs: options.publishTimeoutMs ?? 10_000,
      drainTimeoutMs: options.drainTimeoutMs ?? 2000,
      pingIntervalMs: options.pingIntervalMs ?? 2000,
    };
    this.#publisher = new NatsPublisher({
      url: this.url,
      timeoutMs: this.#opts.publishTimeoutMs,
      unobserved: (env, e) => this.#host?.unconfirmed?.(env, e),
      settledOne: () => this.#wakeIfIdle(),
    });
  }

  /**
   * Connect, make sure the stream exists, start this instance's consumer, and follow the
   * connection (status degraded while it is down). Fails naming the URL when the server cannot
   * be reached now (no waiting at boot: a wrong `NATS_URL` shows at once).
   */
  async open(deliver: Deliver, host?: DriverHost): Promise<void> {
    this.#host = host;
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: this.url.split(",").map((s) => s.trim()),
        name: `microcore-${this.stream}`,
        timeout: 5000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        pingInterval: this.#opts.pingIntervalMs,
        maxPingOut: 2,
        // No stack captured per request (about an eighth of a publish's CPU): the bus's own
        // errors say which event and where.
        noAsyncTraces: true,
      });
    } catch (e) {
      throw new Error(`event_bus: cannot connect to NATS at ${this.url}: ${msg(e)}`, { cause: e });
    }
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc);
      await ensureStream(jsm, this.stream, this.#opts.storage, this.#opts.keepMs);
    } catch (e) {
      await nc.close();
      throw new Error(
        `event_bus: NATS at ${this.url}: JetStream stream "${this.stream}" unavailable ` +
          `(is JetStream enabled?): ${msg(e)}`,
        { cause: e },
      );
    }
    this.#nc = nc;
    const js = this.#js = jetstream(nc);
    this.#consumers = new NatsConsumers({
      nc,
      js,
      jsm,
      stream: this.stream,
      ackWaitMs: this.#opts.ackWaitMs,
      keepMs: this.#opts.keepMs,
      instanceKeepMs: this.#opts.instanceKeepMs,
      instance: this.instance,
      deliver,
      host,
      settledOne: () => this.#wakeIfIdle(),
    });
    this.#watch(nc);
    this.#connected(true);
    await nc.flush();
  }

  /**
   * Publish `envelope` to the stream; the receipt resolves once the server confirmed it (kept
   * and retried through an outage, up to `publishTimeoutMs`).
   */
  send(envelope: Envelope): PublishReceipt | void {
    if (this.#closed || !this.#js) return;
    let body;
    try {
      body = encodeEnvelope(envelope);
    } catch (e) {
      this.#host?.warn(`event "${envelope.name}" could not be encoded; dropped`, { error: msg(e) });
      return;
    }
    const subject = subjectOf(this.stream, envelope.name);
    return this.#publisher.publish(envelope, subject, body.data, body.headers);
  }

  /** Publishes not yet confirmed by the server, and group events being handled. */
  get pending(): number {
    return this.#publisher.pending + (this.#consumers?.unacked ?? 0);
  }

  /** Confirmed, waiting, failed publishes and retries. */
  stats(): DriverStats {
    return this.#publisher.stats();
  }

  /** Settles once every publish is confirmed and every group event acknowledged (or at close). */
  idle(): Promise<void> {
    if (this.pending === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Start or stop group consumers and responder subscriptions to match `interest`. */
  interest(interest: Interest): void {
    if (!this.#closed) this.#consumers?.want(interest);
  }

  /** Settles once the consumers match the latest {@link NatsDriver.interest}. */
  async settled(): Promise<void> {
    await this.#consumers?.settled();
    if (!this.#closed && this.#up) await this.#nc?.flush();
  }

  /** Ask the responder of `envelope.name` on any instance (a NATS request). */
  request(envelope: Envelope, timeoutMs: number): Promise<unknown> {
    const nc = this.#nc;
    if (!nc || this.#closed) {
      return Promise.reject(new BusError("closed", `request "${envelope.name}": closed`));
    }
    return askResponder(nc, `${this.stream}_rpc`, envelope, timeoutMs);
  }

  /** Stop the consumers and drain the connection (bounded). Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // ---- internals -------------------------------------------------------------------------

  /** Follow the connection: down on a disconnect or a stale connection, up on a reconnect. */
  #watch(nc: NatsConnection) {
    (async () => {
      for await (const s of nc.status()) {
        if (this.#closed) return;
        if (s.type === "disconnect" || s.type === "staleConnection") {
          const server = "server" in s ? String(s.server) : this.url;
          this.#connected(false, `connection to ${server} lost (${s.type}); reconnecting`);
        } else if (s.type === "reconnect") this.#connected(true);
      }
    })().catch(() => {});
  }

  #connected(up: boolean, why?: string) {
    if (up === this.#up && up) return;
    const was = this.#up;
    this.#up = up;
    this.#publisher.connected(up ? this.#js : undefined);
    this.#consumers?.connected(up);
    if (up && !was) this.#host?.health?.("ready");
    if (!up && was) this.#host?.health?.("degraded", `NATS at ${this.url} unreachable: ${why}`);
  }

  #wakeIfIdle() {
    if (this.#idle.length === 0 || (this.pending > 0 && !this.#closed)) return;
    for (const w of this.#idle.splice(0)) w();
  }

  async #close() {
    this.#closed = true;
    this.#publisher.close();
    this.#wakeIfIdle();
    const stopping = this.#consumers?.close();
    const nc = this.#nc;
    if (!nc) return;
    await stopping;
    const drained = nc.drain().then(() => true, () => true);
    const inTime = await withTimeout(drained, this.#opts.drainTimeoutMs, "drain").catch(() =>
      false
    );
    if (!inTime) await nc.close().catch(() => {});
    await nc.closed();
  }
}
