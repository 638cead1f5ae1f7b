/**
 * `event_bus`: how plugins talk to each other. Publish/subscribe with wildcards, retries,
 * dead letters and competing-consumer groups, and request–response with one responder per name.
 *
 * Semantics (in-process driver, the default):
 * - `publish` copies the payload at once (a deep-frozen copy shared by all subscribers; payloads
 *   that can't be frozen — `Map`, `Date`, typed arrays — are cloned per subscriber) and returns
 *   a receipt ({@link PublishReceipt}); delivery runs in a later microtask, batched.
 * - Every subscriber runs isolated: a throw, rejection or `timeoutMs` overrun is logged with the
 *   plugin id and event name, counted, retried (`retries`, `backoffMs` doubling each time), and
 *   finally sent as a dead letter `_dlq.<name>`. A handler that blocks synchronously (a busy
 *   loop) does block the process — JavaScript cannot preempt it; a hanging async handler cannot
 *   be cancelled, only counted as failed.
 * - `group`: one subscription per group receives each event (round robin); subscriptions without
 *   a group each receive it.
 * - Patterns: `*` = one segment, `**` (or `#`) = zero or more segments.
 * - Requests go to the single live responder of a name; `BusError` codes say what failed.
 * - Subscriptions and responders belong to the plugin: a reload switches them at once, an
 *   unload removes them; pending retries of a removed subscription are dropped.
 *
 * ## The delivery guarantee
 *
 * - **The receipt.** `await event_bus.publish(...)` resolves once the event is durable: on NATS
 *   when JetStream confirmed it (PubAck); in-process at once (memory: nothing survives a crash
 *   or a restart); inside `db.transaction` at once (the event commits with the transaction).
 *   On NATS it rejects with a `BusError` of kind `unavailable` when the broker did not confirm
 *   within `EVENT_BUS_PUBLISH_TIMEOUT_MS` (the http tool answers that with a JSON 503), or
 *   `rejected` when the server refused the event for good. A receipt nobody awaits never becomes
 *   an unhandled rejection: its failure is logged (error level, event name and id) and counted
 *   in `dropped`.
 * - **Outbox (at-least-once through a crash).** When a tool offers an outbox (the db tool does),
 *   an event published inside `db.transaction` is written in that transaction instead of being
 *   sent: it commits with the data or not at all. After the commit the bus sends it and removes
 *   the record once the driver confirmed it (in-process: once its handlers are done); after
 *   boot and every 5 s it sends again what a crash or an outage left. Such payloads must be JSON
 *   data (the record is the envelope as JSON; anything else fails the transaction).
 * - **Duplicates.** At-least-once means an event can arrive twice (a publish retried after its
 *   confirmation was lost, a record relayed twice, a JetStream redelivery). With NATS or an
 *   outbox, each subscription (each group, for grouped ones) remembers the last 10 000 event ids
 *   it was handed and skips a repeat (counted as `duplicates`). That memory is per instance:
 *   a group event whose acknowledgement could not reach the server within `ack_wait` (10 s; an
 *   acknowledgement lost with a connection is sent again once it is back) is redelivered,
 *   maybe to another instance — keep group handlers idempotent, keyed on `event.id`.
 * - **In memory only.** Without an outbox, the in-process bus keeps queued events in memory: a
 *   crash or `kill -9` loses them, and a subscription added after a publish does not see it.
 *
 * ## Several instances: the NATS JetStream driver
 *
 * Behind a load balancer, run every instance with the same settings and the plugins unchanged:
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | `EVENT_BUS_DRIVER` | `in_process` | `nats` to share the bus through NATS JetStream |
 * | `NATS_URL` | `nats://127.0.0.1:4222` | server(s), comma-separated; setup fails naming it when unreachable |
 * | `EVENT_BUS_STREAM` | `microcore` | JetStream stream (created if missing) and subject prefix; one per app |
 * | `EVENT_BUS_PUBLISH_TIMEOUT_MS` | `10000` | how long an unconfirmed publish is kept and retried before its receipt rejects (`unavailable`) |
 *
 * (A NATS server on another host also needs that host in the `net` list of the permission set
 * the app runs with.) The client is the maintained `@nats-io/transport-node` with
 * `@nats-io/jetstream` (v3).
 *
 * What changes and what doesn't:
 * - `publish` sends the envelope to the stream (subject `<stream>.<name>`, message id = event
 *   id) and returns at once, as before; the receipt resolves on the server's confirmation. Every
 *   instance receives the event and fans it out to its own subscribers — the publisher's
 *   instance too, through the broker. Isolation, retries, backoff, timeouts, dead letters
 *   (`_dlq.<name>` is published like any event, so it reaches every instance), counters,
 *   ownership and reload stay in each instance's bus, exactly as in-process.
 * - **Outage.** The client reconnects by itself (every ~0.5 s, forever). While it is down the
 *   status shows the bus `degraded` ("NATS at <url> unreachable: …"; the readiness probe answers
 *   503), `ready` again once it is back. Publishes are kept and sent again with the same message
 *   id (JetStream stores each once, within its 2-minute duplicate window) until confirmed or
 *   the bound passes. A stalled connection (no bytes either way) is noticed by the client's
 *   ping within ~4 s. At boot, an unreachable server fails the bus's setup naming the URL (a
 *   wrong `NATS_URL` shows at once rather than as a bus that never connects).
 * - Ungrouped subscriptions: **at-least-once while the instance runs**. An instance with
 *   ungrouped subscriptions reads through its own durable consumer (`i_<instance id>`),
 *   acknowledged as events arrive (what a dropped connection lost in transit comes back after
 *   2 s), which outlives a lost connection for 10 minutes: what was published during an outage
 *   arrives after it. A new instance (or a restarted one) starts with events published from
 *   then on; its consumer is deleted when it shuts down (or has no ungrouped subscription left).
 * - `group`: **at-least-once, one delivery per event per group across all instances**. Each
 *   group is a durable JetStream consumer (`g_<group>`) shared by every instance that has live
 *   subscriptions in the group; the server gives each event to one instance, whose bus picks one
 *   local subscription (round robin) and **acknowledges once it is done** — handled, or failed
 *   for good and dead-lettered. Work still running is kept alive (`working`); if the instance
 *   stops or dies before that, the server redelivers the event to another instance after
 *   `ack_wait` (10 s), at most 10 times. Acknowledgements made while the connection is down,
 *   and those of the last second or two before it dropped, are sent once it is back; an event
 *   the drop lost in transit comes back after `ack_wait`. Events for a group are kept while the group has no instance up, for
 *   up to 24 h (the stream's maximum age; a group consumer unused for 24 h is removed). A group
 *   with one pattern filters at the server; with several patterns, or a `**`, its consumer
 *   reads the whole prefix and each instance matches locally. Replicas of one group should
 *   subscribe with the same patterns: an instance whose group patterns don't match an event it
 *   is handed acknowledges it without handling it.
 * - `request`: a local responder answers first, with no network hop. Otherwise the request goes
 *   to `<stream>_rpc.<name>`, where each instance's responders listen in a NATS queue group
 *   (one instance answers); nobody anywhere → `no_responder` at once, no answer in time →
 *   `timeout`, a throwing responder → `responder_error`. `responder_conflict` is checked per
 *   instance only: replicas of one plugin are expected to respond to the same names. Requests
 *   are not retried through an outage.
 * - Payloads: plain data travels as JSON (readable by any NATS client; `NaN`/`Infinity` become
 *   `null` as in any JSON API); anything else (`Map`, `Date`, typed arrays, `bigint`) in V8's
 *   structured-clone format, and arrives as it would in-process. Names may hold characters NATS
 *   forbids in a subject; they are percent-encoded in the subject, the envelope keeps the name.
 * - Events published before a group's consumer exists at the server are not seen by that group
 *   (as with a late subscription in-process); the bus waits for its consumers in
 *   `onBootComplete`, so events published once the app has booted are covered.
 * - Status: `describe()` counts `published`, `confirmed`, `waiting` (unconfirmed now),
 *   `retries`, `dropped` (given up past the bound, refused, or published after close) and, per
 *   event name, `duplicates`; with an outbox, its `enlisted`, `relayed`, `removed`, `failed`.
 * - Shutdown: `quiesce` also waits for unconfirmed publishes and unacknowledged group events;
 *   `shutdown` stops the consumers and drains the connection (bounded, 2 s).
 * - Throughput: `deno task bench bus_nats` (publish → delivered on another instance, against
 *   the raw client in the same run; see the README's Performance section).
 *
 * The driver sits behind {@link BusDriver}: `driver.ts` (in-process), `nats_driver.ts`
 * (imported only when `EVENT_BUS_DRIVER=nats`; `new EventBusTool({ driver: new
 * NatsDriver({...}) })` to build one by hand). The tool reads its settings only through the
 * tool context (`ctx.env`) and declares them as `EventBusTool.env`.
 *
 * Inside the folder: `tool.ts` (lifecycle, status, the plugin API), `publishing.ts` (publish,
 * receipts), `outbox_relay.ts` (the outbox), `delivery.ts` (subscriptions, retries, dead
 * letters, duplicates via `dedupe.ts`), `requests.ts` (responders, request–response),
 * `interest.ts` (what a broker routes to this instance), `shared.ts` (what they share),
 * `settings.ts` (variables, driver choice), `nats_*.ts` (the NATS driver: `nats_publisher.ts`
 * keeps publishes through an outage, `nats_consumers.ts` reads), and the helpers they use.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { EventBus } from "@tools/event_bus/mod.ts";
 *
 * export default class AuditProducts extends BasePlugin {
 *   constructor(private event_bus: EventBus) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.event_bus.subscribe("product.*", (event) => {
 *       console.log(event.name, event.payload, "from", event.source);
 *     });
 *   }
 * }
 * ```
 * @module
 */
import { EventBusTool } from "./tool.ts";

export type {
  DeadLetter,
  Envelope,
  EventBus,
  EventHandler,
  PublishOptions,
  PublishReceipt,
  RequestHandler,
  RequestOptions,
  SubscribeOptions,
  UntypedEventBus,
} from "./types.ts";
export {
  type Contract,
  type DeclaredEvent,
  type DeclaredEvents,
  type DeclaredRequest,
  type DeclaredRequests,
  defineContract,
  type EventsOf,
  type PayloadOf,
  type RequestContract,
  type RequestOf,
  type RequestsOf,
  type ResponseOf,
} from "./contracts.ts";
export { BusError, type BusErrorCode } from "./errors.ts";
export { type EventBusOptions, EventBusTool } from "./tool.ts";
export {
  type Audience,
  type BusDriver,
  type Deliver,
  type DriverHost,
  InProcessDriver,
  type Interest,
  type Scheduler,
} from "./driver.ts";
export type { NatsDriverOptions } from "./nats_driver.ts";
export { compilePattern, type Matcher } from "./pattern.ts";
export { frozenCopy } from "./copy.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default EventBusTool;
