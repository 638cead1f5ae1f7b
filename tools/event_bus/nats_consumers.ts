/**
 * What one instance takes from NATS for its groups and responders, kept in step with the bus's
 * {@link Interest}: one durable JetStream consumer per group (each event acknowledged once the
 * local subscriber is done with it) and one queue subscription per responder name.
 * @module
 */
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  headers as natsHeaders,
  type JetStreamClient,
  type JsMsg,
  type Msg,
  nanos,
  type NatsConnection,
  type Subscription as NatsSub,
} from "nats";
import { BusError, errorMessage as msg } from "./errors.ts";
import { decodeEnvelope, encode, ERROR_HEADER } from "./nats_codec.ts";
import { consumerName, groupFilter, subjectOf } from "./nats_subjects.ts";
import type { Deliver, DriverHost, Interest } from "./driver.ts";
import type { Envelope } from "./types.ts";

const RPC_QUEUE = "responders";
const MAX_DELIVER = 10;

/** What {@link NatsConsumers} works on: an open connection and the driver's settings. */
export interface ConsumersSetup {
  /** The open connection. */
  readonly nc: NatsConnection;
  /** Its JetStream client. */
  readonly js: JetStreamClient;
  /** Stream name and subject prefix. */
  readonly stream: string;
  /** How long a group event may stay unacknowledged before the server redelivers it. */
  readonly ackWaitMs: number;
  /** Idle time after which the server deletes a group consumer. */
  readonly keepMs: number;
  /** The bus's delivery, called with a `group` audience. */
  readonly deliver: Deliver;
  /** The bus: answers requests, takes warnings. */
  readonly host: DriverHost | undefined;
  /** Called each time a group event is done with (acknowledged or left to the server). */
  readonly settledOne: () => void;
}

/** Group consumers and responder subscriptions of one instance. */
export class NatsConsumers {
  readonly #s: ConsumersSetup;
  #groups = new Map<string, { filter: string; messages: ConsumerMessages; done: Promise<void> }>();
  #responders = new Map<string, NatsSub>();
  #unacked = new Set<JsMsg>();
  #wanted: Interest = { groups: new Map(), responders: [] };
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #keepAlive: ReturnType<typeof setInterval>;

  /** Start keeping unacknowledged group events alive; consumers come with {@link want}. */
  constructor(setup: ConsumersSetup) {
    this.#s = setup;
    // Tell the server that group events still being handled (retries…) are not lost.
    this.#keepAlive = setInterval(() => {
      for (const m of this.#unacked) m.working();
    }, Math.max(100, setup.ackWaitMs / 3));
    Deno.unrefTimer(this.#keepAlive);
  }

  /** Group events handed to a local subscriber and not yet acknowledged. */
  get unacked(): number {
    return this.#unacked.size;
  }

  /** Start and stop consumers and subscriptions (in order, one change at a time) to match. */
  want(interest: Interest): void {
    this.#wanted = interest;
    this.#chain = this.#chain.then(() => this.#reconcile()).catch((e) =>
      this.#s.host?.warn(`NATS: could not update consumers: ${msg(e)}`, { error: msg(e) })
    );
  }

  /** Settles once the changes asked for so far are made. */
  settled(): Promise<void> {
    return this.#chain;
  }

  /** Stop every consumer; unacknowledged events are left to the server to redeliver. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#keepAlive);
    await this.#chain.catch(() => {});
    for (const group of [...this.#groups.keys()]) await this.#stopGroup(group);
  }

  #onGroupEvent(group: string, m: JsMsg) {
    let env: Envelope;
    try {
      env = decodeEnvelope(m.data, m.headers);
    } catch (e) {
      this.#s.host?.warn(`NATS: dropped an undecodable message on ${m.subject}`, { error: msg(e) });
      m.term();
      return;
    }
    let r: void | Promise<void>;
    try {
      r = this.#s.deliver(env, { group });
    } catch (e) {
      this.#s.host?.warn(`NATS: group ${group} could not take "${env.name}"`, { error: msg(e) });
      return m.nak();
    }
    if (!r) return m.ack(); // no local subscription of the group matches: nothing to do here
    this.#unacked.add(m);
    r.then(() => this.#settle(m, true), () => this.#settle(m, false));
  }

  #settle(m: JsMsg, ok: boolean) {
    this.#unacked.delete(m);
    this.#s.settledOne();
    if (this.#closed && !ok) return; // left unacknowledged: redelivered to another instance
    try {
      if (ok) m.ack();
      else m.nak(1000);
    } catch { /* connection closed: the server redelivers after ack_wait */ }
  }

  async #reconcile() {
    if (this.#closed) return;
    const { nc, stream } = this.#s;
    const want = this.#wanted;
    const rpc = `${stream}_rpc`;
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
      const filter = groupFilter(stream, patterns);
      const cur = this.#groups.get(group);
      if (cur?.filter === filter) continue;
      if (cur) await this.#stopGroup(group);
      if (this.#closed) return;
      await this.#startGroup(group, filter);
    }
    for (const group of [...this.#groups.keys()]) {
      if (!want.groups.has(group)) await this.#stopGroup(group);
    }
  }

  async #startGroup(group: string, filter: string) {
    const { nc, js, stream } = this.#s;
    const jsm = await nc.jetstreamManager();
    const durable = consumerName(group);
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: filter,
      ack_wait: nanos(this.#s.ackWaitMs),
      max_deliver: MAX_DELIVER,
      inactive_threshold: nanos(this.#s.keepMs),
    };
    try {
      await jsm.consumers.add(stream, config);
    } catch {
      // It exists with another filter (another version of the group's plugin): take ours.
      const { durable_name: _, deliver_policy: __, ...update } = config;
      await jsm.consumers.update(stream, durable, update);
    }
    const consumer = await js.consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: 256 });
    const done = (async () => {
      for await (const m of messages) this.#onGroupEvent(group, m);
    })().catch((e) => this.#s.host?.warn(`NATS: group ${group} stopped: ${msg(e)}`));
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
    const host = this.#s.host;
    if (!host) return fail(new BusError("no_responder", `no plugin responds to "${env.name}"`));
    host.answer(env).then((v) => reply(v, v), fail);
  }
}
