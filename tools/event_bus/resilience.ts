/**
 * What keeps one bad subscriber or stale event from hurting the rest: a subscription whose
 * deliveries fail `suspendAfter` times in a row is suspended (and `system.subscriber.dropped`
 * published once); an envelope past its TTL (`publish(…, { ttlMs })`) is not delivered, only
 * counted; every delivery that failed for good publishes `event.delivery.failed`; dead letters
 * may be switched off. Settings: `EVENT_BUS_SUSPEND_AFTER`, `EVENT_BUS_DEAD_LETTERS`.
 * @module
 */
import { frozenCopy } from "./copy.ts";
import { errInfo } from "./errors.ts";
import type { ReadSetting } from "./settings.ts";
import type { BusShared } from "./shared.ts";
import type { EventCounters } from "./stats.ts";
import type { Subscription } from "./subscription.ts";
import type { Envelope } from "./types.ts";

/** Published once when a subscription is suspended. */
export const SUBSCRIBER_DROPPED = "system.subscriber.dropped";
/** Published for each delivery that failed for good (after every retry). */
export const DELIVERY_FAILED = "event.delivery.failed";
const SELF = "event_bus";

/** Events about failures never cause more of them (no loop). */
function internal(name: string): boolean {
  return name.startsWith("_dlq.") || name === DELIVERY_FAILED || name === SUBSCRIBER_DROPPED;
}

/** Payload of `system.subscriber.dropped`. */
export interface SubscriberDropped {
  subscriber: string;
  pattern: string;
  group?: string;
  /** Deliveries that failed in a row. */
  failures: number;
  /** The last one's error. */
  error: { name: string; message: string };
  /** When it was suspended, ms since epoch. */
  droppedAt: number;
}

/** Payload of `event.delivery.failed`. */
export interface DeliveryFailed {
  event: { id: string; name: string; source: string; correlationId: string };
  subscriber: string;
  pattern: string;
  group?: string;
  error: { name: string; message: string };
  attempts: number;
  failedAt: number;
}

/** `EVENT_BUS_SUSPEND_AFTER` (default 5; 0 never suspends) and `EVENT_BUS_DEAD_LETTERS`. */
export function resilienceSettings(
  env: ReadSetting,
): { suspendAfter: number; deadLetters: boolean } {
  const n = env("EVENT_BUS_SUSPEND_AFTER");
  const suspendAfter = n === undefined ? 5 : Number(n);
  if (!Number.isInteger(suspendAfter) || suspendAfter < 0) {
    throw new Error(`EVENT_BUS_SUSPEND_AFTER="${n}": use a whole number of failures (0 = never)`);
  }
  const d = env("EVENT_BUS_DEAD_LETTERS")?.trim().toLowerCase();
  if (d && !["on", "off"].includes(d)) {
    throw new Error(`EVENT_BUS_DEAD_LETTERS="${d}": use on or off`);
  }
  return { suspendAfter, deadLetters: d !== "off" };
}

/** The bus's resilience rules, on its shared state. */
export class Resilience {
  /** Deliveries failed in a row that suspend a subscription (0: never). */
  suspendAfter = 5;
  /** Whether a delivery failed for good sends a dead letter `_dlq.<name>`. */
  deadLetters = true;
  readonly #s: BusShared;

  constructor(shared: BusShared) {
    this.#s = shared;
  }

  /** Whether `env` is past its TTL (then counted as expired on `c`, not delivered). */
  expired(env: Envelope, c: EventCounters): boolean {
    const at = env.expiresAt;
    if (at === undefined || Date.now() <= at) return false;
    c.expired++;
    return true;
  }

  /** A delivery to `sub` succeeded: its run of failures ends. */
  succeeded(sub: Subscription): void {
    if (sub.failures) sub.failures = 0;
  }

  /** A delivery to `sub` failed for good: `event.delivery.failed`, and maybe the suspension. */
  failed(sub: Subscription, env: Envelope, err: unknown, attempts: number): void {
    if (internal(env.name)) return;
    const error = errInfo(err);
    const failedAt = Date.now();
    const payload: DeliveryFailed = {
      event: { id: env.id, name: env.name, source: env.source, correlationId: env.correlationId },
      subscriber: sub.owner.id,
      pattern: sub.pattern,
      ...(sub.group ? { group: sub.group } : {}),
      error,
      attempts,
      failedAt,
    };
    this.#emit(DELIVERY_FAILED, payload, env.correlationId);
    sub.failures = (sub.failures ?? 0) + 1;
    if (this.suspendAfter === 0 || sub.failures < this.suspendAfter || sub.suspended) return;
    sub.suspended = true;
    this.#s.log.error(
      `subscriber ${sub.owner.id} ("${sub.pattern}") suspended after ${sub.failures} failed ` +
        `deliveries in a row; reload the plugin to resume it`,
      { plugin: sub.owner.id, pattern: sub.pattern, failures: sub.failures },
    );
    const dropped: SubscriberDropped = {
      subscriber: sub.owner.id,
      pattern: sub.pattern,
      ...(sub.group ? { group: sub.group } : {}),
      failures: sub.failures,
      error,
      droppedAt: failedAt,
    };
    this.#emit(SUBSCRIBER_DROPPED, dropped, env.correlationId);
  }

  #emit(name: string, payload: unknown, correlationId: string): void {
    const c = this.#s.stats.of(name);
    c.published++;
    c.publishers.add(SELF);
    this.#s.send(name, frozenCopy(payload), SELF, correlationId);
  }
}
