/**
 * The shapes a plugin sees when it uses the event bus.
 * @module
 */
import type { PublishReceipt } from "./receipt.ts";
import type {
  DeclaredEvent,
  DeclaredRequest,
  PayloadOf,
  RequestOf,
  ResponseOf,
} from "./contracts.ts";

export type { PublishReceipt };

/**
 * One event as a subscriber (or responder) receives it.
 *
 * The envelope and its payload are **read-only**: the bus copies the payload once when it is
 * published (so later changes by the publisher are not seen) and deep-freezes that copy, which
 * every subscriber then shares. Writing to it throws a `TypeError` (plugin modules are strict).
 * Payloads that cannot be frozen (a `Map`, `Date`, typed array, …) are instead
 * `structuredClone`d once per subscriber, so each gets a private, writable copy.
 */
export interface Envelope<T = unknown> {
  /**
   * Unique id of this event: `<8 hex, random per bus>-<10 base-36 digits>`, unique within the
   * process, fixed width, so ids of one bus sort as strings in publish order.
   */
  readonly id: string;
  /** Event name, e.g. `product.created`. */
  readonly name: string;
  /** The published data (a frozen copy; see above). */
  readonly payload: T;
  /**
   * Publish time, ms since epoch. The clock is read once per synchronous run: events published
   * in the same tick (e.g. in one loop) share the time of the first of them.
   */
  readonly time: number;
  /** Owner id of the publisher (`<domain>/<plugin>`, or `event_bus` for dead letters). */
  readonly source: string;
  /** Ties related events together; the event's own `id` unless the publisher passed one. */
  readonly correlationId: string;
  /**
   * What caused it, when it was published while handling something and the `telemetry` tool
   * records: the request id (of the HTTP request being handled), or the id of the event being
   * handled. Absent otherwise (published at boot, by a timer, or with telemetry off).
   */
  readonly parentId?: string;
  /** When it expires (ms since epoch), if published with a `ttlMs`: later it is not delivered. */
  readonly expiresAt?: number;
}

/** A subscriber: may be async; a throw or a rejection counts as a failed delivery. */
export type EventHandler<T = unknown> = (event: Envelope<T>) => void | PromiseLike<void>;

/** A responder: its return value (copied) is the requester's answer. */
export type RequestHandler<T = unknown, R = unknown> = (request: Envelope<T>) => R | Promise<R>;

/** Options of {@link EventBus.publish}. */
export interface PublishOptions {
  /** Carry a correlation id forward, e.g. `{ correlationId: event.correlationId }`. */
  correlationId?: string;
  /**
   * Time to live in ms: a delivery not begun by then is skipped and counted as expired (each
   * retry too). Default: none.
   */
  ttlMs?: number;
}

/** Options of {@link EventBus.subscribe}. */
export interface SubscribeOptions {
  /** Extra attempts after a failure (default 0). Attempt `n` waits `backoffMs * 2^(n-1)` ms. */
  retries?: number;
  /** Base delay of the exponential backoff between attempts, ms (default 100). */
  backoffMs?: number;
  /**
   * Competing consumers: of all live subscriptions that share a group name and match an event,
   * exactly one (round robin) receives it. Subscriptions without a group each get a copy.
   */
  group?: string;
  /**
   * An async handler that has not settled after this many ms counts as a failed attempt (and is
   * retried / dead-lettered). JavaScript cannot cancel it: it keeps running, its late result is
   * ignored. Default: no timeout.
   */
  timeoutMs?: number;
}

/** Options of {@link EventBus.request}. */
export interface RequestOptions {
  /** Give up after this many ms with a `BusError` of code `timeout` (default 5000). */
  timeout?: number;
  /** Carry a correlation id forward. */
  correlationId?: string;
}

/** Payload of a dead-letter event `_dlq.<name>`. */
export interface DeadLetter<T = unknown> {
  /** The envelope that could not be handled. */
  event: Envelope<T>;
  /** Owner id of the subscriber that failed. */
  subscriber: string;
  /** The pattern it subscribed with. */
  pattern: string;
  /** Its group, if any. */
  group?: string;
  /** The last error. */
  error: { name: string; message: string };
  /** Attempts made (1 + retries). */
  attempts: number;
  /** When the last attempt failed, ms since epoch. */
  failedAt: number;
}

/**
 * The bus object itself, with string names and caller-chosen payload types: what
 * `EventBusTool.forOwner` returns (tools and tests use it). Plugins annotate {@link EventBus},
 * the same object typed by the contracts.
 *
 * Names are dot-separated segments (`product.created`). Patterns may use `*` for exactly one
 * segment (`product.*`, `*.created`) and `**` (alias `#`) for zero or more segments
 * (`product.**`, `**.failed`, `**`).
 *
 * Everything registered here belongs to the plugin: a reload swaps its subscriptions and
 * responders at once, an unload removes them. No cleanup code is needed.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { EventBus } from "@tools/event_bus/mod.ts";
 *
 * export default class NotifyOnProduct extends BasePlugin {
 *   constructor(private event_bus: EventBus) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.event_bus.subscribe<{ id: number }>("product.created", async (event) => {
 *       // …send a mail…
 *       this.event_bus.publish("mail.queued", { product: event.payload.id }, {
 *         correlationId: event.correlationId,
 *       });
 *     }, { retries: 3, backoffMs: 200 });
 *     this.event_bus.respond("product.count", () => 42);
 *   }
 * }
 * ```
 */
export interface UntypedEventBus {
  /**
   * Publish an event. Returns at once, with a receipt; subscribers run asynchronously (in a
   * later microtask), each isolated from the others and from the publisher.
   *
   * The receipt ({@link PublishReceipt}) resolves once the event is durable: at once in-process
   * (memory promises nothing across a crash) and inside a database transaction (the event
   * commits with it, see the outbox in mod.ts); on NATS once JetStream confirmed it. While the
   * broker is unreachable it is retried up to `EVENT_BUS_PUBLISH_TIMEOUT_MS`, then the receipt
   * rejects with a `BusError` of kind `unavailable` — `await` it in an HTTP handler and an
   * outage becomes a JSON 503. Not awaiting it is fine: a failure is then logged, never an
   * unhandled rejection.
   * @throws {BusError} `invalid_name` for an empty segment or a wildcard in `name`.
   * @throws {DOMException} `DataCloneError` if the payload cannot be copied (e.g. a function).
   */
  publish<T = unknown>(name: string, payload?: T, options?: PublishOptions): PublishReceipt;
  /**
   * Subscribe to an exact name or a pattern. Returns a function that unsubscribes (optional:
   * the plugin's subscriptions are released with it anyway).
   */
  subscribe<T = unknown>(
    pattern: string,
    handler: EventHandler<T>,
    options?: SubscribeOptions,
  ): () => void;
  /**
   * Ask the single responder of `name` and wait for its answer.
   * @throws {BusError} `no_responder` at once if nobody responds to `name`; `timeout` after
   * `options.timeout` ms (default 5000); `responder_error` if the responder threw; `closed`
   * after shutdown.
   */
  request<R = unknown, T = unknown>(
    name: string,
    payload?: T,
    options?: RequestOptions,
  ): Promise<R>;
  /**
   * Answer requests for `name` (exact name, no wildcards). One responder per name: another
   * plugin responding to the same name throws `responder_conflict`. Returns a function that
   * stops responding.
   */
  respond<T = unknown, R = unknown, N extends string = string>(
    name: N & Undeclared<N, DeclaredRequest>,
    handler: RequestHandler<T, R>,
  ): () => void;
}

/** `unknown` when nothing is declared, else `never` for a declared name (use the typed form). */
type Undeclared<N extends string, D extends string> = [D] extends [never] ? unknown
  : N extends D ? never
  : unknown;

/**
 * The event bus as a plugin sees it: declare a constructor parameter named `event_bus` (the
 * tool's name) and the kernel injects this, bound to your plugin. The same object as
 * {@link UntypedEventBus}, typed by the domains' contracts (`domains/<d>/events.ts`, merged by
 * the generated `events.gen.ts`):
 *
 * - `publish("product.created", payload)`: the payload must be the declared type.
 * - `subscribe("product.created", (event) => …)`: the handler gets the **envelope**
 *   (`event.payload` is the declared type; `event.id`, `event.name`, `event.correlationId`…).
 *   Patterns (`product.*`) give `Envelope<unknown>`.
 * - `request("inventory.stock", req)` resolves to the declared response;
 *   `respond("inventory.stock", ({ payload }) => answer)`: the handler gets the envelope of the
 *   request and returns (or resolves to) the declared response.
 *
 * Names no contract declares keep the untyped forms (`subscribe<T>(…)`, `request<R, T>(…)`); in dev
 * and test the bus refuses to publish or respond to them (`BusError` `undeclared`).
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { EventBus } from "@tools/event_bus/mod.ts";
 *
 * export default class TrackStock extends BasePlugin {
 *   constructor(private event_bus: EventBus) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.event_bus.subscribe("product.created", async (event) => {
 *       console.log(event.payload.id); // typed by domains/products/events.ts
 *     }, { retries: 3, group: "inventory" });
 *   }
 * }
 * ```
 */
export interface EventBus {
  /** Publish declared event `name` (see {@link UntypedEventBus.publish}). */
  publish<N extends DeclaredEvent>(
    name: N,
    payload: PayloadOf<N>,
    options?: PublishOptions,
  ): PublishReceipt;
  /** Publish an event no contract declares (refused in dev and test when contracts are on). */
  publish<N extends string>(
    name: N & Undeclared<N, DeclaredEvent>,
    payload?: unknown,
    options?: PublishOptions,
  ): PublishReceipt;
  /** Subscribe to declared event `name`: the handler gets `Envelope<payload>`. */
  subscribe<N extends DeclaredEvent>(
    name: N,
    handler: EventHandler<PayloadOf<N>>,
    options?: SubscribeOptions,
  ): () => void;
  /** Subscribe to a pattern (`product.*`, `**`) or an undeclared name. */
  subscribe<T = unknown, N extends string = string>(
    pattern: N & Undeclared<N, DeclaredEvent>,
    handler: EventHandler<T>,
    options?: SubscribeOptions,
  ): () => void;
  /** Ask the responder of declared request `name`; resolves to its declared response. */
  request<N extends DeclaredRequest>(
    name: N,
    payload: RequestOf<N>,
    options?: RequestOptions,
  ): Promise<ResponseOf<N>>;
  /** Ask the responder of an undeclared name. */
  request<R = unknown, T = unknown, N extends string = string>(
    name: N & Undeclared<N, DeclaredRequest>,
    payload?: T,
    options?: RequestOptions,
  ): Promise<R>;
  /** Answer declared request `name`: the handler gets the request's envelope. */
  respond<N extends DeclaredRequest>(
    name: N,
    handler: RequestHandler<RequestOf<N>, ResponseOf<N>>,
  ): () => void;
  /** Answer an undeclared name (refused in dev and test when contracts are on). */
  respond<T = unknown, R = unknown, N extends string = string>(
    name: N & Undeclared<N, DeclaredRequest>,
    handler: RequestHandler<T, R>,
  ): () => void;
}
