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
 * The transport sits behind {@link BusTransport} so that a networked broker can carry the same
 * envelopes; only the in-process one exists today (`EVENT_BUS_DRIVER` other than `in_process`
 * fails the tool at setup with a clear error).
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
import { EventBusTool } from "./event_bus_tool.ts";

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
export { type EventBusOptions, EventBusTool } from "./event_bus_tool.ts";
export {
  type BusTransport,
  type Deliver,
  InProcessTransport,
  type Scheduler,
} from "./transport.ts";
export { compilePattern, type Matcher } from "./pattern.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default EventBusTool;
