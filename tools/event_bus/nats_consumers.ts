/**
 * What one instance takes from NATS, kept in step with the bus's {@link Interest}:
 *
 * - its **instance consumer** `i_<id>`: a durable JetStream consumer of the whole prefix for
 *   this instance's ungrouped subscriptions, acknowledged as each event arrives. It outlives a
 *   lost connection (for `instanceKeepMs`), so what was published during an outage is
 *   delivered once the connection is back; it is deleted when the instance closes;
 * - one durable JetStream consumer per **group** `g_<group>`, shared by every instance with
 *   subscriptions in it; each event is acknowledged once the local subscriber is done with it;
 * - one queue subscription per **responder** name.
 *
 * Acknowledgements go through `nats_acks.ts`, which holds and repeats them around a lost
 * connection.
 * @module
 */
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos, type NatsConnection, type Subscription as NatsSub } from "@nats-io/nats-core";
import { errorMessage as msg } from "./errors.ts";
import { Acks } from "./nats_acks.ts";
import { decodeEnvelope } from "./nats_codec.ts";
import { answerRequest } from "./nats_responders.ts";
import { consumerName, groupFilter, subjectOf } from "./nats_subjects.ts";
import type { Deliver, DriverHost, Interest } from "./driver.ts";
import type { Envelope } from "./types.ts";

const RPC_QUEUE = "responders";
const MAX_DELIVER = 10;
const SOLO_ACK_WAIT = 2000;

/** What {@link NatsConsumers} works on: an open connection and the driver's settings. */
export interface ConsumersSetup {
  /** The open connection. */
  readonly nc: NatsConnection;
  /** Its JetStream client. */
  readonly js: JetStreamClient;
  /** Its JetStream manager. */
  readonly jsm: JetStreamManager;
  /** Stream name and subject prefix. */
  readonly stream: string;
  /** How long an event may stay unacknowledged before the server redelivers it. */
  readonly ackWaitMs: number;
  /** Idle time after which the server deletes a group consumer. */
  readonly keepMs: number;
  /** Idle time after which the server deletes a lost instance's consumer (default 10 min). */
  readonly instanceKeepMs?: number;
  /** This instance's id: its consumer for ungrouped subscriptions is `i_<instance>`. */
  readonly instance: string;
  /** The bus's delivery, called with a `solo` or a `group` audience. */
  readonly deliver: Deliver;
  /** The bus: answers requests, takes warnings. */
  readonly host: DriverHost | undefined;
  /** Called each time a group event is done with (acknowledged or left to the server). */
  readonly settledOne: () => void;
}

interface Running {
  readonly filter: string;
  readonly messages: ConsumerMessages;
  readonly done: Promise<void>;
}

/** The instance consumer, group consumers and responder subscriptions of one instance. */
export class NatsConsumers {
  readonly #s: ConsumersSetup;
  #solo: (Running & { readonly name: string }) | undefined;
  #groups = new Map<string, Running>();
  #responders = new Map<string, NatsSub>();
  #unacked = new Set<JsMsg>();
  /** Acknowledgements, held and repeated around a lost connection. */
  readonly #acks = new Acks();
  #up = true;
  #wanted: Interest = { groups: new Map(), responders: [], solo: false };
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #keepAlive: ReturnType<typeof setInterval>;

  /** Start keeping unacknowledged group events alive; consumers come with {@link want}. */
  constructor(setup: ConsumersSetup) {
    this.#s = setup;
    // Tell the server that group events still being handled (retries…) are not lost.
    this.#keepAlive = setInterval(() => {
      if (this.#up) { for (const m of this.#unacked) m.working(); }
      // Stryker disable next-line MethodExpression: keep-alives more often than needed change nothing observable
    }, Math.max(100, setup.ackWaitMs / 3));
    Deno.unrefTimer(this.#keepAlive);
  }

  /** Group events handed to a local subscriber and not yet acknowledged. */
  get unacked(): number {
    return this.#unacked.size;
  }

  /** The connection went down or came back; coming back sends the held acknowledgements. */
  connected(up: boolean): void {
    this.#up = up;
    this.#acks.connected(up);
  }

  /** Start this instance's consumer for ungrouped subscriptions. */
  async #startSolo(): Promise<void> {
    const name = `i_${this.#s.instance}`;
    const filter = `${this.#s.stream}.>`;
    const keep = this.#s.instanceKeepMs ?? 600_000;
    // Acknowledged on arrival: a short ack_wait only brings back what a dropped connection lost
    // in transit (the rest is acknowledged long before).
    const run = await this.#start(name, filter, keep, SOLO_ACK_WAIT, (m) => this.#onSoloEvent(m));
    this.#solo = { ...run, name };
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

  /**
   * Stop every consumer (unacknowledged group events are left to the server to redeliver) and
   * delete this instance's consumer.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#keepAlive);
    this.#acks.close();
    await this.#chain.catch(() => {});
    for (const group of [...this.#groups.keys()]) await this.#stopGroup(group);
    await this.#stopSolo();
  }

  /** Stop this instance's consumer and delete it (nothing is kept for it any more). */
  async #stopSolo(): Promise<void> {
    const solo = this.#solo;
    this.#solo = undefined;
    if (!solo) return;
    await solo.messages.close().catch(() => {});
    await solo.done;
    await this.#s.jsm.consumers.delete(this.#s.stream, solo.name).catch(() => {});
  }

  #onSoloEvent(m: JsMsg) {
    this.#ack(m, true); // the instance has it; its subscribers' retries are local
    let env: Envelope;
    try {
      env = decodeEnvelope(m.data, m.headers);
    } catch (e) {
      this.#s.host?.warn(`NATS: ignored an undecodable message on ${m.subject}`, { error: msg(e) });
      return;
    }
    this.#s.deliver(env, "solo");
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
    if (!r) return this.#ack(m, true); // no local subscription of the group matches
    this.#unacked.add(m);
    r.then(() => this.#settle(m, true), () => this.#settle(m, false));
  }

  #settle(m: JsMsg, ok: boolean) {
    this.#unacked.delete(m);
    this.#s.settledOne();
    if (this.#closed && !ok) return; // left unacknowledged: redelivered to another instance
    this.#ack(m, ok);
  }

  #ack(m: JsMsg, ok: boolean) {
    this.#acks.send(m, ok);
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
          callback: (err, m) => void (err || answerRequest(m, this.#s.host)),
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
      const run = await this.#start(
        consumerName(group),
        filter,
        this.#s.keepMs,
        this.#s.ackWaitMs,
        (m) => this.#onGroupEvent(group, m),
      );
      this.#groups.set(group, run);
    }
    for (const group of [...this.#groups.keys()]) {
      if (!want.groups.has(group)) await this.#stopGroup(group);
    }
    if (want.solo && !this.#solo && !this.#closed) await this.#startSolo();
    else if (!want.solo && this.#solo) await this.#stopSolo();
  }

  /** Make (or take over) durable consumer `durable` on `filter` and consume it. */
  async #start(
    durable: string,
    filter: string,
    keepMs: number,
    ackWaitMs: number,
    onMsg: (m: JsMsg) => void,
  ): Promise<Running> {
    const { js, jsm, stream } = this.#s;
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: filter,
      ack_wait: nanos(ackWaitMs),
      max_deliver: MAX_DELIVER,
      inactive_threshold: nanos(keepMs),
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
      for await (const m of messages) onMsg(m);
    })().catch((e) => this.#s.host?.warn(`NATS: consumer ${durable} stopped: ${msg(e)}`));
    return { filter, messages, done };
  }

  async #stopGroup(group: string) {
    const g = this.#groups.get(group);
    if (!g) return;
    this.#groups.delete(group);
    await g.messages.close().catch(() => {});
    await g.done;
  }
}
