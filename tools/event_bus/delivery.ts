/**
 * Subscriptions and delivering events to them: who receives a name (a cached plan: each solo
 * subscription, one per group in round robin), isolated attempts with their timeout, retries
 * with doubling backoff, and a dead letter `_dlq.<name>` for what failed for good.
 * @module
 */
import { OwnedRegistry, type Owner } from "@core";
import { frozenCopy, isShareable } from "./copy.ts";
import type { Deadline } from "./deadlines.ts";
import { RecentIds } from "./dedupe.ts";
import type { Audience, Deliver } from "./driver.ts";
import { BusError, errInfo } from "./errors.ts";
import { compilePattern } from "./pattern.ts";
import { type BusShared, isThenable, retire } from "./shared.ts";
import type { EventCounters } from "./stats.ts";
import { EMPTY_PLAN, type Plan, Plans } from "./plans.ts";
import { Resilience } from "./resilience.ts";
import type { Subscription } from "./subscription.ts";
import { type CauseNode, type SpanHandle, TRACEPARENTS } from "./telemetry.ts";
import type { DeadLetter, Envelope, EventHandler, SubscribeOptions } from "./types.ts";
export type { Subscription };
const DEFAULT_BACKOFF = 100;
const DLQ_PREFIX = "_dlq.";
const SELF = "event_bus";

/** The subscriptions of one bus and the delivery of envelopes to them. */
export class Delivery {
  readonly #s: BusShared;
  readonly #changed: () => void;
  readonly #subs = new OwnedRegistry<Subscription>();
  readonly #plans: Plans;
  #roundRobin = new Map<string, number>();
  /** Per group: ids recently handed to one of its subscriptions (when removing duplicates). */
  #groupSeen = new Map<string, RecentIds>();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  /** Suspension of failing subscribers, TTLs, failure events, dead letters on or off. */
  readonly resilience: Resilience;

  /** Delivery on `shared`; `changed` is told when a subscription comes or goes. */
  constructor(shared: BusShared, changed: () => void) {
    this.#s = shared;
    this.#changed = changed;
    this.#plans = new Plans(this.#subs, shared.stats);
    this.resilience = new Resilience(shared);
  }

  /** Register `handler` for names matching `pattern`; returns the unsubscribe function. */
  subscribe(
    owner: Owner,
    pattern: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): () => void {
    const match = compilePattern(pattern);
    if (typeof handler !== "function") {
      throw new TypeError(`subscribe("${pattern}"): handler must be a function`);
    }
    if (this.#s.stale(owner, `subscribe("${pattern}")`)) return () => {};
    const sub: Subscription = {
      owner,
      gen: this.#s.generations.of(owner),
      pattern,
      match,
      handler,
      retries: Math.max(0, Math.floor(options.retries ?? 0)),
      backoffMs: Math.max(0, options.backoffMs ?? DEFAULT_BACKOFF),
      group: options.group || undefined,
      timeoutMs: options.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : undefined,
      active: true,
    };
    if (!this.#subs.add(owner, sub)) sub.gen.release(); // a retired generation: nothing added
    this.#changed();
    return () => {
      sub.active = false;
      this.#subs.remove(owner, sub);
      this.#changed();
    };
  }

  /** Make `owner.generation` live; the subscriptions of its other generations go. */
  activate(owner: Owner): void {
    retire(this.#subs.activate(owner));
  }

  /** Remove the subscriptions of one generation of `ownerId`, or of all of them. */
  release(ownerId: string, generation?: number): void {
    retire(this.#subs.release(ownerId, generation));
  }

  /** Every live subscription. */
  live(): readonly Subscription[] {
    return this.#subs.live();
  }

  /** The live patterns of `ownerId`, with their group, for its status. */
  patternsOf(ownerId: string): string[] {
    return this.#subs.itemsOf(ownerId).map((s) =>
      s.group ? `${s.pattern} (group ${s.group})` : s.pattern
    );
  }

  /** Patterns of `ownerId`'s subscriptions suspended after failing in a row (resilience.ts). */
  suspendedOf(ownerId: string): string[] {
    return this.#subs.itemsOf(ownerId).filter((s) => s.suspended).map((s) => s.pattern);
  }

  /** Owner ids that receive `name` now. */
  subscribersOf(name: string): string[] {
    const plan = name === "(other)" ? EMPTY_PLAN : this.#plans.of(name);
    const ids = new Set(plan.solo.map((s) => s.owner.id));
    for (const g of plan.groups) for (const s of g.subs) ids.add(s.owner.id);
    return [...ids];
  }

  /** Cancel pending retries. */
  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    // Stryker disable next-line CallExpression: the ids of cleared timers; nothing reads them after close
    this.#timers.clear();
  }

  /** What the driver calls for each envelope this instance fans out (see {@link Deliver}). */
  // Stryker disable next-line StringLiteral: any string but "solo" means every subscription
  readonly deliver: Deliver = (env: Envelope, audience: Audience = "all"): void | Promise<void> => {
    const plan = this.#plans.of(env.name);
    if (plan === EMPTY_PLAN) return;
    const c = plan.counters!;
    const shared = isShareable(env.payload);
    const dedupe = this.#s.dedupe;
    if (typeof audience === "object") {
      if (this.#s.state === "closed") {
        return Promise.reject(new BusError("closed", "the event bus is closed"));
      }
      // A broker chose this instance for one group: one local subscription handles it, and the
      // promise settles when it is done (the driver acknowledges then).
      const g = plan.groups.find((g) => g.name === audience.group);
      if (!g || (dedupe && this.#repeat(g.name, env.id, c))) return;
      return new Promise<void>((done) => this.#attempt(this.#pick(g), env, shared, 1, c, done));
    }
    this.#fanOut(plan, env, shared, audience === "solo");
  };

  /**
   * Like `deliver(env, "all")`, settling once every subscriber is done with the event (handled,
   * or failed for good): how the outbox relay knows an in-process event was handled.
   */
  handled(env: Envelope): Promise<void> {
    const plan = this.#plans.of(env.name);
    if (plan === EMPTY_PLAN) return Promise.resolve();
    return new Promise((resolve) => {
      let left = 1;
      const done = () => void (--left === 0 && resolve());
      this.#fanOut(plan, env, isShareable(env.payload), false, () => (left++, done));
      done();
    });
  }

  /** Every solo subscription, and one per group unless `soloOnly`; `track` makes a `done`. */
  #fanOut(plan: Plan, env: Envelope, shared: boolean, soloOnly: boolean, track?: () => () => void) {
    const c = plan.counters!;
    const dedupe = this.#s.dedupe;
    for (let i = 0; i < plan.solo.length; i++) {
      const sub = plan.solo[i];
      if (dedupe && !(sub.seen ??= new RecentIds()).first(env.id)) {
        c.duplicates++;
        continue;
      }
      this.#attempt(sub, env, shared, 1, c, track?.());
    }
    if (soloOnly) return;
    for (const g of plan.groups) {
      if (dedupe && this.#repeat(g.name, env.id, c)) continue;
      this.#attempt(this.#pick(g), env, shared, 1, c, track?.());
    }
  }

  /** Whether group `group` was already handed event `id` here (counted as a duplicate). */
  #repeat(group: string, id: string, c: EventCounters): boolean {
    let seen = this.#groupSeen.get(group);
    if (!seen) this.#groupSeen.set(group, seen = new RecentIds());
    if (seen.first(id)) return false;
    c.duplicates++;
    return true;
  }

  /** Round robin among a group's local subscriptions. */
  #pick(g: Plan["groups"][number]): Subscription {
    let n = this.#roundRobin.get(g.name) ?? 0;
    // A suspended member is passed over while another one can take the event.
    for (let i = 1; i < g.subs.length && g.subs[n % g.subs.length].suspended; i++) n++;
    this.#roundRobin.set(g.name, n + 1 >= Number.MAX_SAFE_INTEGER ? 0 : n + 1);
    return g.subs[n % g.subs.length];
  }

  #attempt(
    sub: Subscription,
    env: Envelope,
    shared: boolean,
    attempt: number,
    c: EventCounters,
    done?: () => void,
  ): void {
    if (!sub.active || sub.suspended || this.resilience.expired(env, c)) return done?.();
    const event = shared ? env : Object.freeze({ ...env, payload: structuredClone(env.payload) });
    const causes = this.#s.causes;
    // Traced: the handler runs inside its delivery's node, so what it publishes names the event.
    const node = causes?.delivery(env.id, env.name, sub.owner.id);
    const span = this.#s.tracing?.delivery(env.name, env.id, sub.owner.id, TRACEPARENTS.get(env));
    let result: unknown;
    try {
      // The common path (no telemetry) allocates no closure.
      if (node === undefined && span === undefined) result = sub.handler(event);
      else result = this.#traced(sub, event, attempt, node, span);
    } catch (e) {
      span?.end(e);
      this.#failed(sub, env, shared, attempt, c, e, done, node);
      return;
    }
    if (!isThenable(result)) {
      c.delivered++;
      this.resilience.succeeded(sub);
      node?.finish();
      span?.end();
      return done?.();
    }
    const s = this.#s;
    s.begin(sub.gen);
    let settled = false;
    let deadline: Deadline | undefined;
    const finish = (ok: boolean, err?: unknown) => {
      if (settled) return;
      settled = true;
      if (deadline) s.deadlines.delete(deadline);
      s.end(sub.gen);
      span?.end(ok ? undefined : err);
      if (!ok) return this.#failed(sub, env, shared, attempt, c, err, done, node);
      node?.finish();
      c.delivered++;
      this.resilience.succeeded(sub);
      done?.();
    };
    if (sub.timeoutMs !== undefined) {
      const ms = sub.timeoutMs;
      deadline = s.deadlines.add(ms, () => {
        deadline = undefined;
        if (s.state === "closed") return; // shutdown: not the handler's fault
        finish(false, new BusError("timeout", `handler did not settle within ${ms} ms`));
      });
    }
    result.then(() => finish(true), (e) => finish(false, e));
  }

  /** Run the handler inside its delivery's node and/or span (telemetry on). */
  #traced(
    sub: Subscription,
    event: Envelope,
    attempt: number,
    node: CauseNode | undefined,
    span: SpanHandle | undefined,
  ): unknown {
    let run = () => sub.handler(event);
    if (span) run = ((inner) => () => span.run(inner))(run);
    if (!node) return run();
    node.attempts = attempt;
    return this.#s.causes!.run(node, run);
  }

  #failed(
    sub: Subscription,
    env: Envelope,
    shared: boolean,
    attempt: number,
    c: EventCounters,
    err: unknown,
    done?: () => void,
    node?: CauseNode,
  ): void {
    const s = this.#s;
    c.errors++;
    if (node) {
      node.error = errInfo(err).message;
      node.finish();
    }
    const final = attempt > sub.retries;
    s.log.error(`subscriber ${sub.owner.id} failed on "${env.name}": ${errInfo(err).message}`, {
      plugin: sub.owner.id,
      event: env.name,
      eventId: env.id,
      pattern: sub.pattern,
      attempt,
      final,
      error: s.stack(err, sub.owner.file),
    });
    if (!final && s.state !== "closed") {
      s.begin(sub.gen);
      const timer = setTimeout(() => {
        // Stryker disable next-line CallExpression: forgetting a fired timer only saves memory (close clears the set)
        this.#timers.delete(timer);
        s.end(sub.gen);
        this.#attempt(sub, env, shared, attempt + 1, c, done);
      }, sub.backoffMs * 2 ** (attempt - 1));
      this.#timers.add(timer);
      return;
    }
    c.failed++;
    if (s.state === "closed") return; // unacknowledged: a broker may hand it to another instance
    done?.();
    this.resilience.failed(sub, env, err, attempt);
    if (env.name.startsWith(DLQ_PREFIX) || !this.resilience.deadLetters) return;
    c.deadLettered++;
    const letter: DeadLetter = {
      event: env,
      subscriber: sub.owner.id,
      pattern: sub.pattern,
      ...(sub.group ? { group: sub.group } : {}),
      error: errInfo(err),
      attempts: attempt,
      failedAt: Date.now(),
    };
    const name = DLQ_PREFIX + env.name;
    const dc = s.stats.of(name);
    dc.published++;
    dc.publishers.add(SELF);
    s.send(name, frozenCopy(letter), SELF, env.correlationId);
  }
}
