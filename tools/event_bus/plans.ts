/**
 * Who receives an event name — every solo subscription, and the subscriptions of each group —
 * computed once per name and kept until the subscriptions change.
 * @module
 */
import type { OwnedRegistry } from "@core";
import type { EventCounters, EventStats } from "./stats.ts";
import type { Subscription } from "./subscription.ts";

/** Who receives an event name: every solo subscription, and one per group. */
export interface Plan {
  /** Counters of the event name (undefined for the shared empty plan). */
  readonly counters?: EventCounters;
  /** Subscriptions without a group: each gets the event. */
  readonly solo: readonly Subscription[];
  /** Each group with its subscriptions here: one of them gets the event. */
  readonly groups: readonly { readonly name: string; readonly subs: readonly Subscription[] }[];
}

/** The plan of a name nobody receives (shared). */
export const EMPTY_PLAN: Plan = { solo: [], groups: [] };
const MAX_PLANS = 10_000;

/** Plans per event name over one registry of subscriptions. */
export class Plans {
  readonly #subs: OwnedRegistry<Subscription>;
  readonly #stats: EventStats;
  #plans = new Map<string, Plan>();
  #version = -1;
  #lastName = "";
  #last: Plan | undefined;

  /** Plans over `subs`, counting in `stats`. */
  constructor(subs: OwnedRegistry<Subscription>, stats: EventStats) {
    this.#subs = subs;
    this.#stats = stats;
  }

  /** The plan of `name` (cached until the subscriptions change). */
  of(name: string): Plan {
    if (this.#version !== this.#subs.version) {
      this.#plans.clear();
      this.#version = this.#subs.version;
      this.#last = undefined;
    } else if (name === this.#lastName && this.#last !== undefined) return this.#last;
    let plan = this.#plans.get(name);
    if (plan) return this.#remember(name, plan);
    const solo: Subscription[] = [];
    const groups = new Map<string, Subscription[]>();
    for (const s of this.#subs.live()) {
      if (!s.match(name)) continue;
      if (s.group === undefined) solo.push(s);
      else {
        const g = groups.get(s.group);
        if (g) g.push(s);
        else groups.set(s.group, [s]);
      }
    }
    plan = solo.length === 0 && groups.size === 0 ? EMPTY_PLAN : {
      counters: this.#stats.of(name),
      solo,
      groups: [...groups].map(([name, subs]) => ({ name, subs })),
    };
    if (this.#plans.size >= MAX_PLANS) this.#plans.clear();
    this.#plans.set(name, plan);
    return this.#remember(name, plan);
  }

  /** The plan of the last name delivered: a batch is often one name, no Map lookup then. */
  #remember(name: string, plan: Plan): Plan {
    this.#lastName = name;
    return this.#last = plan;
  }
}
