/**
 * The event bus in a plugin test: the real in-process bus, recording what plugins publish, plus
 * a driver that delivers events to the plugin, answers its requests and asks its responders.
 * @module
 */
import { type Owner, withTimeout } from "@core";
import { frozenCopy } from "@tools/event_bus/mod.ts";
import type {
  DeclaredEvent,
  DeclaredRequest,
  PayloadOf,
  RequestOf,
  ResponseOf,
} from "@tools/event_bus/mod.ts";
import {
  type DeadLetter,
  type Envelope,
  EventBusTool,
  type RequestHandler,
  type RequestOptions,
  type UntypedEventBus,
} from "@tools/event_bus/mod.ts";

/** One event a plugin published, as recorded at the moment it called `publish`. */
export interface PublishedEvent<T = unknown> {
  /** Event name, e.g. `product.created`. */
  readonly name: string;
  /** A frozen copy of the payload, taken at publish time (as the real bus does). */
  readonly payload: T;
  /** Owner id of the publisher (`<domain>/<plugin>`). */
  readonly source: string;
  /** The correlation id the publisher passed, if any. */
  readonly correlationId?: string;
}

/** The owner the test itself acts as on the bus (deliveries, responders, requests). */
export const TEST_OWNER: Owner = Object.freeze({ id: "test-kit", generation: 1 });

/**
 * The real {@link EventBusTool}, unchanged, except that every `publish` made through a
 * plugin's API is also recorded in {@link RecordingEventBus.published}.
 *
 * @example
 * ```ts
 * const bus = new RecordingEventBus();
 * bus.forOwner({ id: "shop/buy", generation: 1 }).publish("order.placed", { id: 1 });
 * bus.published[0]; // { name: "order.placed", payload: { id: 1 }, source: "shop/buy" }
 * ```
 */
export class RecordingEventBus extends EventBusTool {
  /** Every event published by any owner but the test itself, oldest first. */
  readonly published: PublishedEvent[] = [];

  /** The real per-owner API, with `publish` recorded after the real bus accepted it. */
  override forOwner(owner: Owner): UntypedEventBus {
    const api = super.forOwner(owner);
    if (owner.id === TEST_OWNER.id) return api;
    const published = this.published;
    return {
      ...api,
      publish(name, payload, options) {
        const receipt = api.publish(name, payload, options);
        const correlationId = options?.correlationId;
        published.push(Object.freeze({
          name,
          payload: frozenCopy(payload),
          source: owner.id,
          ...(correlationId ? { correlationId } : {}),
        }));
        return receipt;
      },
    };
  }
}

/** Thrown by {@link TestBus.deliver} when a subscriber of the plugin failed for good. */
export class DeliveryError extends Error {
  override name = "DeliveryError";
  /** The dead letters the delivery produced. */
  readonly deadLetters: DeadLetter[];
  constructor(deadLetters: DeadLetter[]) {
    super(
      deadLetters.map((d) =>
        `subscriber ${d.subscriber} failed on "${d.event.name}" after ${d.attempts} attempt(s): ${d.error.message}`
      ).join("; "),
    );
    this.deadLetters = deadLetters;
  }
}

/**
 * The bus as a test drives it. Everything goes through the real bus, so patterns, copies,
 * frozen payloads, retries, dead letters and `BusError`s behave as in production.
 *
 * @example
 * ```ts
 * const t = await bootPlugin(TrackStockPlugin);
 * await t.bus.deliver("product.created", { id: 7, stock: 3 });
 * t.bus.respondTo("inventory.stock", () => ({ quantity: 3 }));
 * t.bus.payloads("product.created"); // what the plugin published under that name
 * ```
 */
export class TestBus {
  readonly #tool: RecordingEventBus;
  readonly #api: UntypedEventBus;
  readonly #deadLetters: DeadLetter[] = [];

  /** A driver for `tool`; registers the test's own owner (`test-kit`) on it. */
  constructor(tool: RecordingEventBus) {
    this.#tool = tool;
    this.#api = tool.forOwner(TEST_OWNER);
    tool.activate(TEST_OWNER);
    this.#api.subscribe<DeadLetter>("_dlq.**", (e) => void this.#deadLetters.push(e.payload));
  }

  /** Every event the plugin published, oldest first (live array). */
  get published(): readonly PublishedEvent[] {
    return this.#tool.published;
  }

  /** Payloads of the published events named `name`, oldest first. */
  payloads<T = unknown>(name: string): T[] {
    return this.#tool.published.filter((e) => e.name === name).map((e) => e.payload as T);
  }

  /** Dead letters seen so far (subscribers that failed after all their retries). */
  get deadLetters(): readonly DeadLetter[] {
    return this.#deadLetters;
  }

  /**
   * Publish `name` as the test and wait until every subscriber has settled (retries included).
   * Rejects with a {@link DeliveryError} if a subscriber failed for good.
   *
   * @example
   * ```ts
   * await t.bus.deliver("product.deleted", { id: 7 });
   * assert.equal((await t.db.query("SELECT * FROM stock")).length, 0);
   * ```
   */
  deliver<N extends DeclaredEvent>(
    name: N,
    payload: PayloadOf<N>,
    options?: { correlationId?: string; timeoutMs?: number },
  ): Promise<void>;
  /** Deliver an event no contract declares. */
  deliver<T = unknown>(
    name: string,
    payload?: T,
    options?: { correlationId?: string; timeoutMs?: number },
  ): Promise<void>;
  async deliver(
    name: string,
    payload?: unknown,
    options?: { correlationId?: string; timeoutMs?: number },
  ): Promise<void> {
    const before = this.#deadLetters.length;
    this.#api.publish(name, payload, options);
    await this.settle(options?.timeoutMs);
    const failed = this.#deadLetters.slice(before).filter((d) => d.event.name === name);
    if (failed.length) throw new DeliveryError(failed);
  }

  /**
   * Answer the plugin's requests for `name` (exact name). Returns a function that stops.
   * Throws `BusError` `responder_conflict` if the plugin itself responds to `name`.
   *
   * @example
   * ```ts
   * t.bus.respondTo("inventory.stock", ({ payload }) => ({ quantity: 3 }));
   * ```
   */
  respondTo<N extends DeclaredRequest>(
    name: N,
    handler: RequestHandler<RequestOf<N>, ResponseOf<N>>,
  ): () => void;
  /** Answer requests no contract declares. */
  respondTo<T = unknown, R = unknown>(name: string, handler: RequestHandler<T, R>): () => void;
  respondTo(name: string, handler: RequestHandler): () => void {
    return this.#api.respond(name, handler);
  }

  /**
   * Ask the plugin's responder of `name`, as another plugin would.
   *
   * @example
   * ```ts
   * assert.deepEqual(await t.bus.request("inventory.stock", { productId: 7 }), { quantity: 3 });
   * ```
   */
  request<N extends DeclaredRequest>(
    name: N,
    payload: RequestOf<N>,
    options?: RequestOptions,
  ): Promise<ResponseOf<N>>;
  /** Ask about a request no contract declares. */
  request<R = unknown, T = unknown>(
    name: string,
    payload?: T,
    options?: RequestOptions,
  ): Promise<R>;
  request(name: string, payload?: unknown, options?: RequestOptions): Promise<unknown> {
    return this.#api.request(name, payload, options);
  }

  /**
   * Wait until nothing is queued or running on the bus (handlers, pending retries); rejects
   * after `timeoutMs` (default 5000) with what is still busy.
   */
  async settle(timeoutMs = 5000): Promise<void> {
    try {
      // Stryker disable next-line StringLiteral: the timeout's message is replaced below
      await withTimeout(this.#tool.idle(), timeoutMs, "busy");
    } catch {
      const d = this.#tool.describe() as { queued: number; inFlight: number };
      throw new Error(
        `event bus still busy after ${timeoutMs} ms (${d.queued} queued, ${d.inFlight} running)`,
      );
    }
  }

  /** Forget recorded publishes and dead letters. */
  clear(): void {
    this.#tool.published.length = 0;
    this.#deadLetters.length = 0;
  }
}

export type { DeadLetter, Envelope };
