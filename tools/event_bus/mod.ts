/**
 * `event_bus`: how plugins talk to each other. Publish/subscribe with wildcards, retries,
 * dead letters and competing-consumer groups, and request–response with one responder per name.
 *
 * Semantics (in-process driver, the default):
 * - `publish` copies the payload at once (a deep-frozen copy shared by all subscribers; payloads
 *   that can't be frozen — `Map`, `Date`, typed arrays — are cloned per subscriber) and returns;
 *   delivery runs in a later microtask, batched. Events are not stored: at-most-once per
 *   subscription; a subscription added after a publish does not see it.
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
 * ## Several instances: the NATS JetStream driver
 *
 * Behind a load balancer, run every instance with the same settings and the plugins unchanged:
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | `EVENT_BUS_DRIVER` | `in_process` | `nats` to share the bus through NATS JetStream |
 * | `NATS_URL` | `nats://127.0.0.1:4222` | server(s), comma-separated; setup fails naming it when unreachable |
 * | `EVENT_BUS_STREAM` | `microcore` | JetStream stream (created if missing) and subject prefix; one per app |
 *
 * (A NATS server on another host also needs that host in the `net` list of the permission set
 * the app runs with.)
 *
 * What changes and what doesn't:
 * - `publish` sends the envelope to the stream (subject `<stream>.<name>`, confirmed by the
 *   server, de-duplicated by event id) and returns at once, as before. Every instance receives
 *   it and fans it out to its own subscribers — the publisher's instance too, through the
 *   broker. Isolation, retries, backoff, timeouts, dead letters (`_dlq.<name>` is published
 *   like any event, so it reaches every instance), counters, ownership and reload stay in each
 *   instance's bus, exactly as in-process.
 * - Ungrouped subscriptions: **at-most-once**, live only — each instance listens with a plain
 *   NATS subscription; an instance that is down or reconnecting misses what was published
 *   meanwhile (as a process that isn't running misses in-process events).
 * - `group`: **at-least-once, one delivery per event per group across all instances**. Each
 *   group is a durable JetStream consumer (`g_<group>`) shared by every instance that has live
 *   subscriptions in the group; the server gives each event to one instance, whose bus picks one
 *   local subscription (round robin) and **acknowledges once it is done** — handled, or failed
 *   for good and dead-lettered. Work still running is kept alive (`working`); if the instance
 *   stops or dies before that, the server redelivers the event to another instance after
 *   `ack_wait` (30 s), at most 10 times. So a group handler can see an event twice: make it
 *   idempotent (`event.id` is stable across redeliveries). Events for a group are kept while
 *   the group has no instance up, for up to 24 h (the stream's maximum age; a group consumer
 *   unused for 24 h is removed). A group with one pattern filters at the server; with several
 *   patterns, or a `**`, its consumer reads the whole prefix and each instance matches locally.
 *   Replicas of one group should subscribe with the same patterns: an instance whose group
 *   patterns don't match an event it is handed acknowledges it without handling it.
 * - `request`: a local responder answers first, with no network hop. Otherwise the request goes
 *   to `<stream>_rpc.<name>`, where each instance's responders listen in a NATS queue group
 *   (one instance answers); nobody anywhere → `no_responder` at once, no answer in time →
 *   `timeout`, a throwing responder → `responder_error`. `responder_conflict` is checked per
 *   instance only: replicas of one plugin are expected to respond to the same names.
 * - Payloads: plain data travels as JSON (readable by any NATS client; `NaN`/`Infinity` become
 *   `null` as in any JSON API); anything else (`Map`, `Date`, typed arrays, `bigint`) in V8's
 *   structured-clone format, and arrives as it would in-process. Names may hold characters NATS
 *   forbids in a subject; they are percent-encoded in the subject, the envelope keeps the name.
 * - Events published before a group's consumer exists at the server are not seen by that group
 *   (as with a late subscription in-process); the bus waits for its consumers in
 *   `onBootComplete`, so events published once the app has booted are covered.
 * - Shutdown: `quiesce` also waits for unconfirmed publishes and unacknowledged group events;
 *   `shutdown` stops the consumers and drains the connection (bounded, 2 s).
 * - Throughput (`bench/bus_nats.ts`, one machine, local server): about 20 000 events/s publish
 *   → delivered to an ungrouped subscriber on another instance, about 16 000/s through a group.
 *
 * The driver sits behind {@link BusDriver}: `driver.ts` (in-process), `nats_driver.ts`
 * (imported only when `EVENT_BUS_DRIVER=nats`; `new EventBusTool({ driver: new
 * NatsDriver({...}) })` to build one by hand). The tool reads its settings only through the
 * tool context (`ctx.env`) and declares them as `EventBusTool.env`.
 *
 * Inside the folder: `tool.ts` (lifecycle, status, the plugin API), `delivery.ts`
 * (subscriptions, retries, dead letters), `requests.ts` (responders, request–response),
 * `interest.ts` (what a broker routes to this instance), `shared.ts` (what they share),
 * `settings.ts` (variables, driver choice), and the helpers they use.
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
  RequestHandler,
  RequestOptions,
  SubscribeOptions,
} from "./types.ts";
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
