/**
 * The event bus tool: owned subscriptions and responders, asynchronous isolated delivery,
 * retries with backoff, dead letters, competing-consumer groups, request–response.
 * @module
 */
import { OwnedRegistry } from "../../core/owned.ts";
import type { LogSink, Owner, Tool, ToolContext } from "../../core/types.ts";
import { frozenCopy, isShareable } from "./copy.ts";
import { type Deadline, Deadlines } from "./deadlines.ts";
import { BusError } from "./errors.ts";
import { EventIds, TickClock } from "./stamps.ts";
import { assertName, compilePattern, type Matcher } from "./pattern.ts";
import { type EventCounters, EventStats } from "./stats.ts";
import {
  type Audience,
  type BusTransport,
  InProcessTransport,
  type Interest,
  type TransportHost,
} from "./transport.ts";
import type {
  DeadLetter,
  Envelope,
  EventBus,
  EventHandler,
  PublishOptions,
  RequestHandler,
  RequestOptions,
  SubscribeOptions,
} from "./types.ts";

interface Subscription {
  readonly owner: Owner;
  readonly flight: Flight;
  readonly pattern: string;
  readonly match: Matcher;
  readonly handler: EventHandler;
  readonly retries: number;
  readonly backoffMs: number;
  readonly group: string | undefined;
  readonly timeoutMs: number | undefined;
  active: boolean;
}

interface Responder {
  readonly owner: Owner;
  readonly flight: Flight;
  readonly name: string;
  readonly handler: RequestHandler;
  active: boolean;
}

/** In-flight work of one owner generation (for drain). */
interface Flight {
  readonly key: string;
  n: number;
  /** The generation was released: forget the counter once it reaches zero. */
  dropped: boolean;
}

/** Who receives an event name: every solo subscription, and one per group. */
interface Plan {
  /** Counters of the event name (undefined for the shared empty plan). */
  readonly counters?: EventCounters;
  readonly solo: readonly Subscription[];
  readonly groups: readonly { readonly name: string; readonly subs: readonly Subscription[] }[];
}

const EMPTY_PLAN: Plan = { solo: [], groups: [] };
const MAX_PLANS = 10_000;
const DEFAULT_REQUEST_TIMEOUT = 5000;
const DEFAULT_BACKOFF = 100;
const DLQ_PREFIX = "_dlq.";
const SELF = "event_bus";
type Timer = ReturnType<typeof setTimeout>;

/** Options of {@link EventBusTool}. */
export interface EventBusOptions {
  /** The carrier of envelopes; default: {@link InProcessTransport}. */
  transport?: BusTransport;
  /** Where `setup` reads `EVENT_BUS_DRIVER`, `NATS_URL`, … (default: `Deno.env.get`). */
  env?: (key: string) => string | undefined;
}

const consoleLog: LogSink = {
  debug: () => {},
  info: (m, p) => console.info(`[event_bus] ${m}`, p ?? ""),
  warn: (m, p) => console.warn(`[event_bus] ${m}`, p ?? ""),
  error: (m, p) => console.error(`[event_bus] ${m}`, p ?? ""),
};

const errInfo = (e: unknown) =>
  e instanceof Error ? { name: e.name, message: e.message } : { name: "Error", message: String(e) };
// deno-lint-ignore no-explicit-any
const isThenable = (v: any): v is PromiseLike<unknown> =>
  v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";

/**
 * The `event_bus` tool. Plugins receive an {@link EventBus} bound to them (see `forOwner`).
 *
 * Delivery is at-most-once per subscription and in-process by default: events are not stored;
 * a process that stops loses what is still queued (see `quiesce`). With `EVENT_BUS_DRIVER=nats`
 * several instances share the bus through NATS JetStream (see mod.ts for the guarantees).
 */
export class EventBusTool implements Tool {
  readonly name = "event_bus";
  readonly description =
    "Pub/sub with wildcards, retries, dead letters and groups; request/response between plugins";

  #log: LogSink = consoleLog;
  /** The kernel's error locator (hot-reload copies mapped back to the user's file). */
  #errorInfo: ToolContext["errorInfo"] | undefined;
  #transport: BusTransport;
  readonly #env: (key: string) => string | undefined;
  #subs = new OwnedRegistry<Subscription>();
  #responders = new OwnedRegistry<Responder>();
  #plans = new Map<string, Plan>();
  #plansVersion = -1;
  #lastPlanName = "";
  #lastPlan: Plan | undefined;
  #responderMap = new Map<string, Responder>();
  #responderVersion = -1;
  #roundRobin = new Map<string, number>();
  #stats = new EventStats();
  #publishedBy = new Map<string, Set<string>>();
  #liveGen = new Map<string, number>();
  #inflight = 0;
  #flights = new Map<string, Flight>();
  #timers = new Set<Timer>();
  #deadlines = new Deadlines();
  #state: "open" | "draining" | "closed" = "open";
  #dropped = 0;
  #ids = new EventIds();
  #clock = new TickClock();
  #opening: Promise<void> | undefined;
  #interestQueued = false;

  /** A bus on `options.transport` (default: in-process). */
  constructor(options: EventBusOptions = {}) {
    this.#transport = options.transport ?? new InProcessTransport();
    this.#env = options.env ?? ((k) => Deno.env.get(k));
    this.#open();
  }

  /**
   * Read the log sink and the driver choice: `EVENT_BUS_DRIVER` = `in_process` (default) or
   * `nats` (then `NATS_URL`, `EVENT_BUS_STREAM`; see mod.ts). With a networked transport, wait
   * until it is connected; a broker that can't be reached fails the tool with its URL.
   */
  setup(ctx: ToolContext): void | Promise<void> {
    this.#log = ctx.log;
    this.#errorInfo = ctx.errorInfo;
    let driver: string | undefined;
    try {
      driver = this.#env("EVENT_BUS_DRIVER");
    } catch { /* no env permission: default driver */ }
    if (driver === "nats" && this.#transport.kind === "in_process") {
      return this.#useNats(); // loaded on demand: in-process apps never load the NATS client
    } else if (driver && !["in_process", "memory", this.#transport.kind].includes(driver)) {
      throw new Error(
        `EVENT_BUS_DRIVER=${driver} is not available; known drivers: in_process, nats`,
      );
    }
    if (this.#opening) return this.#opening;
  }

  async #useNats(): Promise<void> {
    const { NatsTransport, natsOptionsFromEnv } = await import("./nats_transport.ts");
    const transport = new NatsTransport(natsOptionsFromEnv(this.#env));
    this.#transport.close();
    this.#transport = transport;
    this.#open();
    await this.#opening;
  }

  /** Once the initial boot is done, wait until the broker routes this instance's groups. */
  async onBootComplete(): Promise<void> {
    await this.settled();
  }

  /**
   * Settles once the transport reflects the current subscriptions and responders (at once for
   * the in-process transport; a networked one creates its consumers asynchronously).
   */
  settled(): Promise<void> {
    if (!this.#transport.interest) return Promise.resolve();
    this.#pushInterest();
    return this.#transport.settled?.() ?? Promise.resolve();
  }

  #open() {
    const host: TransportHost = {
      answer: (env) => this.#answer(env),
      warn: (message, props) => this.#log.warn(message, props),
    };
    const r = this.#transport.open(this.#deliver, host);
    this.#opening = r instanceof Promise ? r : undefined;
    // Not every caller runs setup (which reports the error); don't leave a rejection unhandled.
    this.#opening?.catch(() => {});
  }

  /** The {@link EventBus} a plugin receives; everything it registers is owned by `owner`. */
  forOwner(owner: Owner): EventBus {
    // Per owner: names already validated and recorded → their counters (one Map lookup a publish).
    // The last name published, to skip even that lookup when a plugin publishes one name often.
    const known = new Map<string, EventCounters>();
    let lastName: unknown, lastCounters: EventCounters | undefined;
    return {
      publish: (name, payload, options) => {
        let c = lastCounters;
        if (name !== lastName || c === undefined) {
          c = known.get(name) ?? this.#firstPublish(owner, name, known);
          lastName = name;
          lastCounters = c;
        }
        this.#publish(owner, c, name, payload, options);
      },
      subscribe: (pattern, handler, options) =>
        this.#subscribe(owner, pattern, handler as EventHandler, options),
      request: (name, payload, options) => {
        let c = known.get(name);
        if (!c) {
          try {
            c = this.#firstPublish(owner, name, known);
          } catch (e) {
            return Promise.reject(e);
          }
        }
        return this.#request(owner, c, name, payload, options);
      },
      respond: (name, handler) => this.#respond(owner, name, handler as RequestHandler),
    };
  }

  /** Switch `owner.id` to `owner.generation`: its staged registrations go live, older ones go. */
  activate(owner: Owner): void {
    this.#liveGen.set(owner.id, owner.generation);
    this.#retire(this.#subs.activate(owner));
    this.#retire(this.#responders.activate(owner));
    this.#interestChanged();
  }

  /** Remove the registrations of one generation of `ownerId`, or of all of them. */
  release(ownerId: string, generation?: number): void {
    this.#retire(this.#subs.release(ownerId, generation));
    this.#retire(this.#responders.release(ownerId, generation));
    if (generation === undefined) {
      this.#liveGen.delete(ownerId);
      this.#publishedBy.delete(ownerId);
    }
    this.#interestChanged();
  }

  /** Wait (bounded) until the async handlers of one owner generation have settled. */
  async drain(ownerId: string, generation: number, timeoutMs: number): Promise<void> {
    const key = `${ownerId}#${generation}`;
    await this.#waitUntil(() => !this.#flights.get(key)?.n, timeoutMs);
  }

  /** What one plugin subscribes to, responds to and has published. */
  describeOwner(ownerId: string): Record<string, unknown> | undefined {
    const subs = this.#subs.itemsOf(ownerId);
    const responds = this.#responders.itemsOf(ownerId).map((r) => r.name);
    const publishes = [...this.#publishedBy.get(ownerId) ?? []];
    if (subs.length === 0 && responds.length === 0 && publishes.length === 0) return undefined;
    return {
      subscribes: subs.map((s) => s.group ? `${s.pattern} (group ${s.group})` : s.pattern),
      responds,
      publishes,
    };
  }

  /** Counters per event name, live subscriptions and responders, queue and in-flight sizes. */
  describe(): Record<string, unknown> {
    const events: Record<string, unknown> = {};
    for (const name of this.#stats.names()) {
      const { publishers, ...counts } = this.#stats.of(name);
      const plan = name === "(other)" ? EMPTY_PLAN : this.#plan(name);
      const subscribers = new Set<string>();
      for (const s of plan.solo) subscribers.add(s.owner.id);
      for (const g of plan.groups) for (const s of g.subs) subscribers.add(s.owner.id);
      events[name] = { ...counts, publishers: [...publishers], subscribers: [...subscribers] };
    }
    const responders: Record<string, string> = {};
    for (const r of this.#responders.live()) responders[r.name] = r.owner.id;
    return {
      driver: this.#transport.kind,
      state: this.#state,
      queued: this.#transport.pending,
      inFlight: this.#inflight,
      dropped: this.#dropped,
      events,
      subscriptions: this.#subs.live().map((s) => ({
        owner: s.owner.id,
        pattern: s.pattern,
        ...(s.group ? { group: s.group } : {}),
      })),
      responders,
    };
  }

  /**
   * Keep accepting publishes while waiting (at most `timeoutMs`) for queued events, running
   * async handlers and pending retries; then stop: later publishes are dropped (and counted,
   * with one warning), later requests fail with `closed`.
   */
  async quiesce(timeoutMs: number): Promise<void> {
    if (this.#state !== "open") return;
    this.#state = "draining";
    await this.#waitUntil(() => this.#transport.pending === 0 && this.#inflight === 0, timeoutMs);
    this.#state = "closed";
  }

  /** Cancel retry and timeout timers, fail pending requests with `closed`, close the transport. */
  async shutdown(): Promise<void> {
    this.#state = "closed";
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#deadlines.fireAll(); // pending requests fail with `closed`
    await this.#transport.close();
  }

  // ---- publish / deliver -----------------------------------------------------------------

  #firstPublish(owner: Owner, name: string, known: Map<string, EventCounters>): EventCounters {
    assertName(name);
    const c = this.#stats.of(name);
    c.publishers.add(owner.id);
    this.#recordPublisher(owner.id, name);
    if (known.size >= 1000) known.clear();
    known.set(name, c);
    return c;
  }

  #publish(
    owner: Owner,
    c: EventCounters,
    name: string,
    payload: unknown,
    options?: PublishOptions,
  ): void {
    if (this.#state === "closed") return this.#drop(owner, name);
    const copy = frozenCopy(payload);
    c.published++;
    this.#transport.send(this.#envelope(name, copy, owner.id, options?.correlationId));
  }

  #envelope(name: string, payload: unknown, source: string, correlationId?: string): Envelope {
    const id = this.#ids.next();
    return Object.freeze({
      id,
      name,
      payload,
      time: this.#clock.now(),
      source,
      correlationId: correlationId ?? id,
    });
  }

  #recordPublisher(ownerId: string, name: string) {
    let names = this.#publishedBy.get(ownerId);
    if (!names) this.#publishedBy.set(ownerId, names = new Set());
    if (names.size < 200) names.add(name);
  }

  #drop(owner: Owner, name: string) {
    if (this.#dropped++ === 0) {
      this.#log.warn("event published after the bus closed; dropped", {
        plugin: owner.id,
        event: name,
      });
    }
  }

  #deliver = (env: Envelope, audience: Audience = "all"): void | Promise<void> => {
    const plan = this.#plan(env.name);
    if (plan === EMPTY_PLAN) return;
    const c = plan.counters!;
    const shared = isShareable(env.payload);
    if (typeof audience === "object") {
      if (this.#state === "closed") {
        return Promise.reject(new BusError("closed", "the event bus is closed"));
      }
      // A broker chose this instance for one group: one local subscription handles it, and the
      // promise settles when it is done (the transport acknowledges then).
      const g = plan.groups.find((g) => g.name === audience.group);
      if (!g) return;
      return new Promise<void>((done) => this.#attempt(this.#pick(g), env, shared, 1, c, done));
    }
    for (let i = 0; i < plan.solo.length; i++) this.#attempt(plan.solo[i], env, shared, 1, c);
    if (audience === "solo") return;
    for (const g of plan.groups) this.#attempt(this.#pick(g), env, shared, 1, c);
  };

  /** Round robin among a group's local subscriptions. */
  #pick(g: Plan["groups"][number]): Subscription {
    const n = this.#roundRobin.get(g.name) ?? 0;
    this.#roundRobin.set(g.name, n + 1 >= Number.MAX_SAFE_INTEGER ? 0 : n + 1);
    return g.subs[n % g.subs.length];
  }

  // ---- interest (what a broker must route to this instance) --------------------------------

  #interestChanged() {
    if (!this.#transport.interest || this.#interestQueued) return;
    this.#interestQueued = true;
    queueMicrotask(() => this.#pushInterest());
  }

  #pushInterest() {
    this.#interestQueued = false;
    if (!this.#transport.interest || this.#state === "closed") return;
    const groups = new Map<string, string[]>();
    for (const s of this.#subs.live()) {
      if (s.group === undefined) continue;
      const g = groups.get(s.group);
      if (!g) groups.set(s.group, [s.pattern]);
      else if (!g.includes(s.pattern)) g.push(s.pattern);
    }
    const responders = this.#responders.live().map((r) => r.name);
    this.#transport.interest({ groups, responders } satisfies Interest);
  }

  #plan(name: string): Plan {
    if (this.#plansVersion !== this.#subs.version) {
      this.#plans.clear();
      this.#plansVersion = this.#subs.version;
      this.#lastPlan = undefined;
    } else if (name === this.#lastPlanName && this.#lastPlan !== undefined) return this.#lastPlan;
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
    this.#lastPlanName = name;
    return this.#lastPlan = plan;
  }

  #attempt(
    sub: Subscription,
    env: Envelope,
    shared: boolean,
    attempt: number,
    c: EventCounters,
    done?: () => void,
  ): void {
    if (!sub.active) return done?.();
    const event = shared ? env : Object.freeze({ ...env, payload: structuredClone(env.payload) });
    let result: unknown;
    try {
      result = sub.handler(event);
    } catch (e) {
      this.#failed(sub, env, shared, attempt, c, e, done);
      return;
    }
    if (!isThenable(result)) {
      c.delivered++;
      return done?.();
    }
    this.#begin(sub.flight);
    let settled = false;
    let deadline: Deadline | undefined;
    const finish = (ok: boolean, err?: unknown) => {
      if (settled) return;
      settled = true;
      if (deadline) this.#deadlines.delete(deadline);
      this.#end(sub.flight);
      if (!ok) return this.#failed(sub, env, shared, attempt, c, err, done);
      c.delivered++;
      done?.();
    };
    if (sub.timeoutMs !== undefined) {
      const ms = sub.timeoutMs;
      deadline = this.#deadlines.add(ms, () => {
        deadline = undefined;
        if (this.#state === "closed") return; // shutdown: not the handler's fault
        finish(false, new BusError("timeout", `handler did not settle within ${ms} ms`));
      });
    }
    result.then(() => finish(true), (e) => finish(false, e));
  }

  #failed(
    sub: Subscription,
    env: Envelope,
    shared: boolean,
    attempt: number,
    c: EventCounters,
    err: unknown,
    done?: () => void,
  ): void {
    c.errors++;
    const final = attempt > sub.retries;
    this.#log.error(`subscriber ${sub.owner.id} failed on "${env.name}": ${errInfo(err).message}`, {
      plugin: sub.owner.id,
      event: env.name,
      eventId: env.id,
      pattern: sub.pattern,
      attempt,
      final,
      error: this.#stack(err, sub.owner.file),
    });
    if (!final && this.#state !== "closed") {
      this.#begin(sub.flight);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#end(sub.flight);
        this.#attempt(sub, env, shared, attempt + 1, c, done);
      }, sub.backoffMs * 2 ** (attempt - 1));
      this.#timers.add(timer);
      return;
    }
    c.failed++;
    if (this.#state === "closed") return; // unacknowledged: a broker may hand it to another instance
    done?.();
    if (env.name.startsWith(DLQ_PREFIX)) return;
    c.deadLettered++;
    const letter: DeadLetter = {
      event: env,
      subscriber: sub.owner.id,
      pattern: sub.pattern,
      ...(sub.group ? { group: sub.group } : {}),
      error: errInfo(err),
      attempts: attempt,
    };
    const name = DLQ_PREFIX + env.name;
    const dc = this.#stats.of(name);
    dc.published++;
    dc.publishers.add(SELF);
    this.#transport.send(this.#envelope(name, frozenCopy(letter), SELF, env.correlationId));
  }

  #begin(f: Flight) {
    this.#inflight++;
    f.n++;
  }

  #end(f: Flight) {
    this.#inflight--;
    if (--f.n <= 0 && f.dropped) this.#flights.delete(f.key);
  }

  #flightOf(owner: Owner): Flight {
    const key = `${owner.id}#${owner.generation}`;
    let f = this.#flights.get(key);
    if (!f) this.#flights.set(key, f = { key, n: 0, dropped: false });
    return f;
  }

  #retire(items: readonly { active: boolean; flight: Flight }[]) {
    for (const it of items) {
      it.active = false;
      it.flight.dropped = true;
      if (it.flight.n <= 0) this.#flights.delete(it.flight.key);
    }
  }

  // ---- subscribe / respond ---------------------------------------------------------------

  /** A registration from a generation older than the live one would never be released. */
  #stale(owner: Owner, what: string): boolean {
    const live = this.#liveGen.get(owner.id);
    if (live === undefined || owner.generation >= live) return false;
    this.#log.warn(`ignored ${what} from a replaced generation of ${owner.id}`, {
      plugin: owner.id,
      generation: owner.generation,
      live,
    });
    return true;
  }

  #subscribe(
    owner: Owner,
    pattern: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): () => void {
    const match = compilePattern(pattern);
    if (typeof handler !== "function") {
      throw new TypeError(`subscribe("${pattern}"): handler must be a function`);
    }
    if (this.#stale(owner, `subscribe("${pattern}")`)) return () => {};
    const sub: Subscription = {
      owner,
      flight: this.#flightOf(owner),
      pattern,
      match,
      handler,
      retries: Math.max(0, Math.floor(options.retries ?? 0)),
      backoffMs: Math.max(0, options.backoffMs ?? DEFAULT_BACKOFF),
      group: options.group || undefined,
      timeoutMs: options.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : undefined,
      active: true,
    };
    this.#subs.add(owner, sub);
    if (sub.group) this.#interestChanged();
    return () => {
      sub.active = false;
      this.#subs.remove(owner, sub);
      if (sub.group) this.#interestChanged();
    };
  }

  #respond(owner: Owner, name: string, handler: RequestHandler): () => void {
    assertName(name);
    if (typeof handler !== "function") {
      throw new TypeError(`respond("${name}"): handler must be a function`);
    }
    if (this.#stale(owner, `respond("${name}")`)) return () => {};
    for (const [o, r] of this.#responders.entries()) {
      if (r.name !== name) continue;
      if (o.id !== owner.id) {
        throw new BusError(
          "responder_conflict",
          `"${name}" already has a responder, ${o.id}; ${owner.id} cannot respond to it too`,
        );
      }
      if (o.generation === owner.generation) {
        throw new BusError("responder_conflict", `${owner.id} already responds to "${name}"`);
      }
    }
    const r: Responder = { owner, flight: this.#flightOf(owner), name, handler, active: true };
    this.#responders.add(owner, r);
    this.#interestChanged();
    return () => {
      r.active = false;
      this.#responders.remove(owner, r);
      this.#interestChanged();
    };
  }

  #responder(name: string): Responder | undefined {
    if (this.#responderVersion !== this.#responders.version) {
      this.#responderMap.clear();
      for (const r of this.#responders.live()) this.#responderMap.set(r.name, r);
      this.#responderVersion = this.#responders.version;
    }
    return this.#responderMap.get(name);
  }

  // ---- request ---------------------------------------------------------------------------

  #request<R>(
    owner: Owner,
    c: EventCounters,
    name: string,
    payload: unknown,
    options: RequestOptions | undefined,
  ): Promise<R> {
    if (this.#state === "closed") {
      return Promise.reject(new BusError("closed", `request "${name}": the event bus is closed`));
    }
    c.requests++;
    const r = this.#responder(name);
    if (!r) {
      if (this.#transport.request) {
        return this.#remoteRequest(owner, c, name, payload, options ?? {});
      }
      return Promise.reject(new BusError("no_responder", `no plugin responds to "${name}"`));
    }
    let result: unknown;
    try {
      const env = this.#envelope(name, frozenCopy(payload), owner.id, options?.correlationId);
      result = r.handler(env);
    } catch (e) {
      return Promise.reject(this.#responderError(r, name, e, c));
    }
    if (!isThenable(result)) {
      c.delivered++;
      try {
        return Promise.resolve(frozenCopy(result) as R);
      } catch (e) {
        return Promise.reject(this.#responderError(r, name, e, c));
      }
    }
    const timeout = options?.timeout ?? DEFAULT_REQUEST_TIMEOUT;
    this.#begin(r.flight);
    return new Promise<R>((resolve, reject) => {
      let done = false;
      const finish = () => {
        done = true;
        this.#deadlines.delete(deadline);
        this.#end(r.flight);
      };
      const deadline = this.#deadlines.add(timeout, () => {
        if (done) return;
        done = true;
        this.#end(r.flight);
        if (this.#state === "closed") {
          reject(new BusError("closed", `request "${name}": the event bus shut down`));
          return;
        }
        c.timeouts++;
        reject(
          new BusError("timeout", `no answer to "${name}" from ${r.owner.id} within ${timeout} ms`),
        );
      });
      result.then((value) => {
        if (done) return;
        finish();
        try {
          c.delivered++;
          resolve(frozenCopy(value) as R);
        } catch (e) {
          reject(this.#responderError(r, name, e, c));
        }
      }, (e) => {
        if (done) return;
        finish();
        reject(this.#responderError(r, name, e, c));
      });
    });
  }

  /** No local responder: ask the other instances through the transport. */
  async #remoteRequest<R>(
    owner: Owner,
    c: EventCounters,
    name: string,
    payload: unknown,
    options: RequestOptions,
  ): Promise<R> {
    const env = this.#envelope(name, frozenCopy(payload), owner.id, options.correlationId);
    const timeout = options.timeout ?? DEFAULT_REQUEST_TIMEOUT;
    try {
      const value = await this.#transport.request!(env, timeout);
      c.delivered++;
      return value as R;
    } catch (e) {
      if (this.#state === "closed") {
        throw new BusError("closed", `request "${name}": the event bus shut down`, { cause: e });
      }
      if (e instanceof BusError && e.code === "timeout") c.timeouts++;
      else if (e instanceof BusError && e.code === "responder_error") c.errors++;
      throw e;
    }
  }

  /** A request from another instance, answered by the local responder (see TransportHost). */
  async #answer(env: Envelope): Promise<unknown> {
    const r = this.#state === "closed" ? undefined : this.#responder(env.name);
    if (!r) throw new BusError("no_responder", `no plugin responds to "${env.name}"`);
    const c = this.#stats.of(env.name);
    this.#begin(r.flight);
    try {
      const value = frozenCopy(await r.handler(env));
      c.delivered++;
      return value;
    } catch (e) {
      throw this.#responderError(r, env.name, e, c);
    } finally {
      this.#end(r.flight);
    }
  }

  /** A handler error's stack for the log, pointing at the user's files. */
  #stack(err: unknown, file?: string): string {
    const info = this.#errorInfo?.(err, file);
    if (info) return info.stack ?? info.message;
    return err instanceof Error ? (err.stack ?? err.message) : String(err);
  }

  #responderError(r: Responder, name: string, e: unknown, c: EventCounters): BusError {
    c.errors++;
    const { message } = errInfo(e);
    this.#log.warn(`responder ${r.owner.id} failed on "${name}": ${message}`, {
      plugin: r.owner.id,
      event: name,
      error: this.#stack(e, r.owner.file),
    });
    return new BusError(
      "responder_error",
      `responder ${r.owner.id} of "${name}" failed: ${message}`,
      {
        cause: e,
      },
    );
  }

  // ---- helpers ---------------------------------------------------------------------------

  async #waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      await new Promise((r) => setTimeout(r, Math.min(5, left)));
    }
  }
}
