/**
 * One subscription as the bus keeps it.
 * @module
 */
import type { Generation, Owner } from "@core";
import type { RecentIds } from "./dedupe.ts";
import type { Matcher } from "./pattern.ts";
import type { EventHandler } from "./types.ts";

/** One subscription, as registered by one owner generation. */
export interface Subscription {
  /** Who subscribed. */
  readonly owner: Owner;
  /** The owner generation's in-flight work (async handlers, pending retries). */
  readonly gen: Generation;
  /** The pattern as given, e.g. `product.*`. */
  readonly pattern: string;
  /** The compiled pattern. */
  readonly match: Matcher;
  /** The plugin's handler. */
  readonly handler: EventHandler;
  /** Retries after a failed attempt (0: none). */
  readonly retries: number;
  /** Wait before the first retry; doubles with each one. */
  readonly backoffMs: number;
  /** The competing-consumer group, if any. */
  readonly group: string | undefined;
  /** Time an async handler has to settle, if bounded. */
  readonly timeoutMs: number | undefined;
  /** False once unsubscribed, replaced or released: pending retries are dropped. */
  active: boolean;
  /** Deliveries failed for good in a row (see resilience.ts). */
  failures?: number;
  /** Suspended after too many failures in a row: nothing more is delivered to it. */
  suspended?: boolean;
  /** Ids recently handed to it (when the bus removes duplicates; made on first use). */
  seen?: RecentIds;
}
