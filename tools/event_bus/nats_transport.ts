/**
 * The NATS JetStream transport: several app instances share one bus through a NATS server.
 *
 * - Every event is published to JetStream (subject `<stream>.<name>`, confirmed by the server,
 *   de-duplicated by event id).
 * - Ungrouped subscriptions: each instance holds one plain NATS subscription on `<stream>.>`
 *   and fans every event out to its local subscribers (at-most-once, live only — as in-process).
 * - Groups: one durable JetStream consumer per group name, shared by every instance that has
 *   subscriptions in that group; the server hands each event to one of them, which acknowledges
 *   it once its local subscriber is done (handled, or dead-lettered after its retries):
 *   at-least-once per group.
 * - Requests: a responder is a NATS queue subscription on `<stream>_rpc.<name>` (queue
 *   `responders`), so one instance answers; no responder anywhere is `no_responder` at once.
 * @module
 */
import {
  AckPolicy,
  connect,
  type ConsumerMessages,
  DeliverPolicy,
  headers as natsHeaders,
  type JetStreamClient,
  type JsMsg,
  type Msg,
  nanos,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
  type Subscription as NatsSub,
} from "nats";
import { BusError, type BusErrorCode } from "./errors.ts";
import { decode, decodeEnvelope, encode, encodeEnvelope, ERROR_HEADER } from "./nats_codec.ts";
import { consumerName, groupFilter, subjectOf } from "./nats_subjects.ts";
import type { BusTransport, Deliver, Interest, TransportHost } from "./transport.ts";
import type { Envelope } from "./types.ts";

/** Options of {@link NatsTransport}. */
export interface NatsTransportOptions {
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
const RPC_QUEUE = "responders";
const MAX_DELIVER = 10;

/**
 * Options from the environment: `NATS_URL` and `EVENT_BUS_STREAM`.
 * @throws {Error} for a stream name NATS would reject.
 */
export function natsOptionsFromEnv(
  get: (key: string) => string | undefined = (k) => Deno.env.get(k),
): NatsTransportOptions {
  const url = get("NATS_URL") || undefined;
  const stream = get("EVENT_BUS_STREAM") || undefined;
  return { url, stream };
}

/**
 * A {@link BusTransport} over NATS JetStream.
 *
 * @example
 * ```ts
 * const bus = new EventBusTool({ transport: new NatsTransport({ stream: "shop" }) });
 * await bus.setup(ctx); // connects; fails naming the URL when the server is unreachable
 * ```
 */
export class NatsTransport implements BusTransport {
  readonly kind = "nats";
  readonly url: string;
  readonly stream: string;
  readonly #opts: Required<Omit<NatsTransportOptions, "url" | "stream">>;
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #deliver: Deliver = () => {};
  #host: TransportHost | undefined;
  #solo: NatsSub | undefined;
  #groups = new Map<string, { filter: string; messages: ConsumerMessages; done: Promise<void> }>();
  #responders = new Map<string, NatsSub>();
  #unacked = new Set<JsMsg>();
  #wanted: Interest = { groups: new Map(), responders: [] };
  #chain: Promise<void> = Promise.resolve();
  #publishing = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  /** A transport for `options` (nothing happens until `open`). */
  constructor(options: NatsTransportOptions = {}) {
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
  async open(deliver: Deliver, host?: TransportHost): Promise<void> {
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
    this.#js = nc.jetstream();
    this.#solo = nc.subscribe(`${this.stream}.>`, { callback: this.#onEvent });
    // Tell the server that group events still being handled (retries…) are not lost.
    this.#keepAlive = setInterval(() => {
      for (const m of this.#unacked) m.working();
    }, Math.max(100, this.#opts.ackWaitMs / 3));
    Deno.unrefTimer(this.#keepAlive);
    await nc.flush();
  }

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
      () => this.#publishing--,
      (e) => {
        this.#publishing--;
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
    return this.#publishing + this.#unacked.size;
  }

  interest(interest: Interest): void {
    this.#wanted = interest;
    this.#chain = this.#chain.then(() => this.#reconcile()).catch((e) =>
      this.#host?.warn(`NATS: could not update consumers: ${msg(e)}`, { error: msg(e) })
    );
  }

  async settled(): Promise<void> {
    await this.#chain;
    if (!this.#closed) await this.#nc?.flush();
  }

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

  #onGroupEvent(group: string, m: JsMsg) {
    let env: Envelope;
    try {
      env = decodeEnvelope(m.data, m.headers);
    } catch (e) {
      this.#host?.warn(`NATS: dropped an undecodable message on ${m.subject}`, { error: msg(e) });
      m.term();
      return;
    }
    let r: void | Promise<void>;
    try {
      r = this.#deliver(env, { group });
    } catch (e) {
      this.#host?.warn(`NATS: group ${group} could not take "${env.name}"`, { error: msg(e) });
      return m.nak();
    }
    if (!r) return m.ack(); // no local subscription of the group matches: nothing to do here
    this.#unacked.add(m);
    r.then(() => this.#settle(m, true), () => this.#settle(m, false));
  }

  #settle(m: JsMsg, ok: boolean) {
    this.#unacked.delete(m);
    if (this.#closed && !ok) return; // left unacknowledged: redelivered to another instance
    try {
      if (ok) m.ack();
      else m.nak(1000);
    } catch { /* connection closed: the server redelivers after ack_wait */ }
  }

  async #reconcile() {
    const nc = this.#nc;
    const js = this.#js;
    if (this.#closed || !nc || !js) return;
    const want = this.#wanted;
    const rpc = `${this.stream}_rpc`;
    for (const name of want.responders) {
      if (this.#responders.has(name)) continue;
      this.#responders.set(
        name,
        nc.subscribe(subjectOf(rpc, name), {
          queue: RPC_QUEUE,
          callback: (err, m) => err || this.#onRequest(m),
        }),
      );
    }
    for (const [name, sub] of this.#responders) {
      if (want.responders.includes(name)) continue;
      sub.unsubscribe();
      this.#responders.delete(name);
    }
    for (const [group, patterns] of want.groups) {
      const filter = groupFilter(this.stream, patterns);
      const cur = this.#groups.get(group);
      if (cur?.filter === filter) continue;
      if (cur) await this.#stopGroup(group);
      if (this.#closed) return;
      await this.#startGroup(nc, js, group, filter);
    }
    for (const group of [...this.#groups.keys()]) {
      if (!want.groups.has(group)) await this.#stopGroup(group);
    }
  }

  async #startGroup(nc: NatsConnection, js: JetStreamClient, group: string, filter: string) {
    const jsm = await nc.jetstreamManager();
    const durable = consumerName(group);
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: filter,
      ack_wait: nanos(this.#opts.ackWaitMs),
      max_deliver: MAX_DELIVER,
      inactive_threshold: nanos(this.#opts.keepMs),
    };
    try {
      await jsm.consumers.add(this.stream, config);
    } catch {
      // It exists with another filter (another version of the group's plugin): take ours.
      const { durable_name: _, deliver_policy: __, ...update } = config;
      await jsm.consumers.update(this.stream, durable, update);
    }
    const consumer = await js.consumers.get(this.stream, durable);
    const messages = await consumer.consume({ max_messages: 256 });
    const done = (async () => {
      for await (const m of messages) this.#onGroupEvent(group, m);
    })().catch((e) => this.#host?.warn(`NATS: group ${group} stopped: ${msg(e)}`));
    this.#groups.set(group, { filter, messages, done });
  }

  async #stopGroup(group: string) {
    const g = this.#groups.get(group);
    if (!g) return;
    this.#groups.delete(group);
    await g.messages.close().catch(() => {});
    await g.done;
  }

  #onRequest(m: Msg) {
    const reply = (value: unknown, payload: unknown) => {
      try {
        const body = encode({ value }, payload);
        m.respond(body.data, { headers: body.headers });
      } catch (e) {
        fail(new BusError("responder_error", `answer could not be sent: ${msg(e)}`));
      }
    };
    const fail = (e: unknown) => {
      const code = e instanceof BusError ? e.code : "responder_error";
      const headers = natsHeaders();
      headers.set(ERROR_HEADER, code);
      try {
        m.respond(new TextEncoder().encode(msg(e)), { headers });
      } catch { /* closed: the requester times out */ }
    };
    let env: Envelope;
    try {
      env = decodeEnvelope(m.data, m.headers);
    } catch (e) {
      return fail(new BusError("responder_error", `undecodable request: ${msg(e)}`));
    }
    const host = this.#host;
    if (!host) return fail(new BusError("no_responder", `no plugin responds to "${env.name}"`));
    host.answer(env).then((v) => reply(v, v), fail);
  }

  async #close() {
    this.#closed = true;
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    await this.#chain.catch(() => {});
    const nc = this.#nc;
    if (!nc) return;
    for (const group of [...this.#groups.keys()]) await this.#stopGroup(group);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = nc.drain().catch(() => {});
    const late = new Promise<"late">((r) =>
      timer = setTimeout(() => r("late"), this.#opts.drainTimeoutMs)
    );
    if (await Promise.race([drained, late]) === "late") await nc.close().catch(() => {});
    clearTimeout(timer);
    await nc.closed();
  }
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
