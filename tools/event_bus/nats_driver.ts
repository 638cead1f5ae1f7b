/**
 * The NATS JetStream driver (`EVENT_BUS_DRIVER=nats`): several app instances share one bus
 * through a NATS server.
 *
 * - Every event is published to JetStream (subject `<stream>.<name>`, confirmed by the server,
 *   de-duplicated by event id).
 * - Ungrouped subscriptions: each instance holds one plain NATS subscription on `<stream>.>`
 *   and fans every event out to its local subscribers (at-most-once, live only — as in-process).
 * - Groups: one durable JetStream consumer per group name, shared by every instance that has
 *   subscriptions in that group; the server hands each event to one of them, which acknowledges
 *   it once its local subscriber is done (handled, or dead-lettered after its retries):
 *   at-least-once per group (see `nats_consumers.ts`).
 * - Requests: a responder is a NATS queue subscription on `<stream>_rpc.<name>` (queue
 *   `responders`), so one instance answers; no responder anywhere is `no_responder` at once.
 * @module
 */
import {
  connect,
  type JetStreamClient,
  type Msg,
  nanos,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
  type Subscription as NatsSub,
} from "nats";
import { withTimeout } from "@core";
import { BusError, type BusErrorCode, errorMessage as msg } from "./errors.ts";
import { decode, decodeEnvelope, encodeEnvelope, ERROR_HEADER } from "./nats_codec.ts";
import { NatsConsumers } from "./nats_consumers.ts";
import { subjectOf } from "./nats_subjects.ts";
import type { BusDriver, Deliver, DriverHost, Interest } from "./driver.ts";
import type { Envelope } from "./types.ts";

/** Options of {@link NatsDriver}. */
export interface NatsDriverOptions {
  /** Server URL(s), comma-separated (default `nats://127.0.0.1:4222`). */
  url?: string;
  /** Stream name, also the subject prefix (default `microcore`; letters, digits, `_`, `-`). */
  stream?: string;
  /** Stream storage (default `file`). */
  storage?: "file" | "memory";
  /** How long a group event may stay unacknowledged before the server redelivers it (30 s). */
  ackWaitMs?: number;
  /**
   * A group consumer that no instance has pulled from for this long is deleted by the server,
   * and events stop being kept for it (default 24 h; also the stream's maximum age).
   */
  keepMs?: number;
  /** Bound on draining the connection at close (default 2000 ms). */
  drainTimeoutMs?: number;
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
  /** The server URL(s), comma-separated. */
  readonly url: string;
  /** The JetStream stream, also the subject prefix. */
  readonly stream: string;
  readonly #opts: Required<Omit<NatsDriverOptions, "url" | "stream">>;
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #deliver: Deliver = () => {};
  #host: DriverHost | undefined;
  #solo: NatsSub | undefined;
  #consumers: NatsConsumers | undefined;
  #publishing = 0;
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
      ackWaitMs: options.ackWaitMs ?? 30_000,
      keepMs: options.keepMs ?? DAY,
      drainTimeoutMs: options.drainTimeoutMs ?? 2000,
    };
  }

  /** Connect, make sure the stream exists, and listen to every event of the prefix. */
  async open(deliver: Deliver, host?: DriverHost): Promise<void> {
    this.#deliver = deliver;
    this.#host = host;
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: this.url.split(",").map((s) => s.trim()),
        name: `microcore-${this.stream}`,
        timeout: 5000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
    } catch (e) {
      throw new Error(`event_bus: cannot connect to NATS at ${this.url}: ${msg(e)}`, { cause: e });
    }
    try {
      await this.#ensureStream(nc);
    } catch (e) {
      await nc.close();
      throw new Error(
        `event_bus: NATS at ${this.url}: JetStream stream "${this.stream}" unavailable ` +
          `(is JetStream enabled?): ${msg(e)}`,
        { cause: e },
      );
    }
    this.#nc = nc;
    const js = this.#js = nc.jetstream();
    this.#solo = nc.subscribe(`${this.stream}.>`, { callback: this.#onEvent });
    this.#consumers = new NatsConsumers({
      nc,
      js,
      stream: this.stream,
      ackWaitMs: this.#opts.ackWaitMs,
      keepMs: this.#opts.keepMs,
      deliver,
      host,
      settledOne: () => this.#wakeIfIdle(),
    });
    await nc.flush();
  }

  /** Publish `envelope` to the stream; the server's confirmation arrives later. */
  send(envelope: Envelope): void {
    const js = this.#js;
    if (this.#closed || !js) return;
    let body;
    try {
      body = encodeEnvelope(envelope);
    } catch (e) {
      this.#host?.warn(`event "${envelope.name}" could not be encoded; dropped`, { error: msg(e) });
      return;
    }
    this.#publishing++;
    js.publish(subjectOf(this.stream, envelope.name), body.data, {
      msgID: envelope.id,
      headers: body.headers,
    }).then(
      () => {
        this.#publishing--;
        this.#wakeIfIdle();
      },
      (e) => {
        this.#publishing--;
        this.#wakeIfIdle();
        this.#host?.warn(`NATS did not confirm event "${envelope.name}" (${envelope.id})`, {
          event: envelope.name,
          eventId: envelope.id,
          error: msg(e),
        });
      },
    );
  }

  /** Publishes not yet confirmed by the server, and group events being handled. */
  get pending(): number {
    return this.#publishing + (this.#consumers?.unacked ?? 0);
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
    if (!this.#closed) await this.#nc?.flush();
  }

  /** Ask the responder of `envelope.name` on any instance (a NATS request). */
  async request(envelope: Envelope, timeoutMs: number): Promise<unknown> {
    const nc = this.#nc;
    if (!nc || this.#closed) throw new BusError("closed", `request "${envelope.name}": closed`);
    const body = encodeEnvelope(envelope);
    let m: Msg;
    try {
      m = await nc.request(subjectOf(`${this.stream}_rpc`, envelope.name), body.data, {
        timeout: timeoutMs,
        headers: body.headers,
      });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "503") {
        throw new BusError("no_responder", `no plugin responds to "${envelope.name}"`);
      }
      if (code === "TIMEOUT") {
        throw new BusError(
          "timeout",
          `no answer to "${envelope.name}" within ${timeoutMs} ms`,
        );
      }
      throw new BusError("closed", `request "${envelope.name}" failed: ${msg(e)}`, { cause: e });
    }
    const err = m.headers?.get(ERROR_HEADER);
    if (err) throw new BusError(err as BusErrorCode, new TextDecoder().decode(m.data));
    return decode<{ value: unknown }>(m.data, m.headers).value;
  }

  /** Stop the consumers and drain the connection (bounded). Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // ---- internals -------------------------------------------------------------------------

  async #ensureStream(nc: NatsConnection) {
    const jsm = await nc.jetstreamManager();
    const subject = `${this.stream}.>`;
    try {
      await jsm.streams.add({
        name: this.stream,
        subjects: [subject],
        retention: RetentionPolicy.Interest,
        storage: this.#opts.storage === "memory" ? StorageType.Memory : StorageType.File,
        max_age: nanos(this.#opts.keepMs),
      });
    } catch (e) {
      // Exists with another configuration (e.g. made by an operator): use it if it carries us.
      const info = await jsm.streams.info(this.stream).catch(() => undefined);
      if (!info) throw e;
      if (!info.config.subjects?.includes(subject)) {
        throw new Error(`stream "${this.stream}" exists but does not capture "${subject}"`);
      }
    }
  }

  #onEvent = (err: Error | null, m: Msg) => {
    if (err || this.#closed) return;
    let env: Envelope;
    try {
      env = decodeEnvelope(m.data, m.headers);
    } catch (e) {
      this.#host?.warn(`NATS: ignored an undecodable message on ${m.subject}`, { error: msg(e) });
      return;
    }
    this.#deliver(env, "solo");
  };

  #wakeIfIdle() {
    if (this.#idle.length === 0 || (this.pending > 0 && !this.#closed)) return;
    for (const w of this.#idle.splice(0)) w();
  }

  async #close() {
    this.#closed = true;
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
