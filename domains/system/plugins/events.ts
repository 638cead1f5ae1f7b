import { BasePlugin, type Status } from "@core";
import type { Config } from "@tools/config/mod.ts";
import { compilePattern } from "@tools/event_bus/mod.ts";
import { failure, type Http, ok } from "@tools/http/mod.ts";
import { z } from "zod";
import { adminToken, refuse } from "../access.ts";

/** One event of the catalog `GET /system/events` serves. */
export interface EventEntry {
  name: string;
  /** Plugins that declare they publish it (`static publishes`), fired or not. */
  declaredBy: string[];
  /** Owners seen publishing (or requesting) it since the process started. */
  emitters: string[];
  /** Plugins whose live subscriptions match it (exact names and patterns). */
  subscribers: string[];
  /** The plugin that answers requests for it, if any. */
  responder?: string;
  published: number;
  delivered: number;
  /** Deliveries failed for good (after every retry). */
  failed: number;
  /** Failed attempts, each retry counted. */
  errors: number;
  deadLettered: number;
}

interface BusCounts {
  published?: number;
  delivered?: number;
  failed?: number;
  errors?: number;
  deadLettered?: number;
  publishers?: string[];
}
interface BusDetails {
  events?: Record<string, BusCounts>;
  subscriptions?: { owner: string; pattern: string }[];
  responders?: Record<string, string>;
}

/** The catalog from the status registry: plugins' declarations and the event bus's details. */
export function eventCatalog(status: Status): EventEntry[] {
  const { entries } = status.snapshot();
  const bus =
    (entries.find((e) => e.kind === "tool" && e.id === "event_bus")?.details ?? {}) as BusDetails;
  const declared = new Map<string, string[]>();
  // The registry's own entries: the snapshot's `publishes` is what the bus saw published.
  for (const e of status.list()) {
    for (const name of e.publishes ?? []) declared.set(name, [...declared.get(name) ?? [], e.id]);
  }
  const subs = (bus.subscriptions ?? []).map((s) => ({
    owner: s.owner,
    match: compilePattern(s.pattern),
  }));
  const responders = bus.responders ?? {};
  const names = new Set([
    ...declared.keys(),
    ...Object.keys(bus.events ?? {}),
    ...Object.keys(responders),
  ]);
  return [...names].filter((n) => n !== "(other)").sort().map((name) => {
    const c = bus.events?.[name] ?? {};
    const entry: EventEntry = {
      name,
      declaredBy: declared.get(name) ?? [],
      emitters: c.publishers ?? [],
      subscribers: [...new Set(subs.filter((s) => s.match(name)).map((s) => s.owner))],
      published: c.published ?? 0,
      delivered: c.delivered ?? 0,
      failed: c.failed ?? 0,
      errors: c.errors ?? 0,
      deadLettered: c.deadLettered ?? 0,
    };
    if (responders[name]) entry.responder = responders[name];
    return entry;
  });
}

/**
 * `GET /system/events`: every event the app knows — declared by a plugin (listed before it
 * fires), published, subscribed to or answered — with its declared publishers, emitters seen,
 * subscribers, responder and counts since start. Not public: loopback clients only, or, with
 * `SYSTEM_ADMIN_TOKEN` set, `Authorization: Bearer <token>`.
 */
export default class EventsPlugin extends BasePlugin {
  constructor(private http: Http, private status: Status, private config: Config) {
    super();
  }

  override onBoot() {
    const token = adminToken(this.config.get("SYSTEM_ADMIN_TOKEN"));
    this.http.addEndpoint("/system/events", "GET", (_data, ctx) => {
      const no = refuse(ctx, token);
      if (no) return no;
      return { success: true, data: { events: eventCatalog(this.status) } };
    }, {
      responses: {
        // Every field is in EventEntry above; the contract names the ones a client keys on.
        200: ok(z.object({ events: z.array(z.looseObject({ name: z.string() })) })),
        401: failure,
        403: failure,
      },
      tags: ["system"],
      summary: "Events",
    });
  }
}
