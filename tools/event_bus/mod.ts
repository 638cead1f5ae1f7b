/**
 * `event_bus`: how plugins talk to each other. Publish/subscribe with wildcards, retries,
 * dead letters and competing-consumer groups, and request–response with one responder per name.
 *
 * In-process by default; the transport sits behind {@link BusTransport} so that a networked
 * broker can carry the same API.
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

/** The tool instance the kernel discovers. */
const eventBus: EventBusTool = new EventBusTool();
export default eventBus;
