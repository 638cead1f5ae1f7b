/**
 * The `event_bus` tool: its lifecycle (setup, activate, release, drain, quiesce, shutdown), its
 * status, and the API each plugin receives (`forOwner`), wired to the parts: `delivery.ts`
 * (subscriptions), `requests.ts` (responders), `interest.ts` (what a broker routes here) and
 * the driver (`driver.ts`, chosen in `settings.ts`), around the state they share (`shared.ts`).
 * @module
 */
import {
  type DomainInfo,
  type Owner,
  type PermissionNeeds,
  type PermissionSettings,
  settleWithin,
  type Tool,
  type ToolContext,
} from "@core";
import { busPermissions } from "./permissions.ts";
import { Delivery } from "./delivery.ts";
import { type BusDriver, type DriverHost, InProcessDriver } from "./driver.ts";
import { BrokerInterest } from "./interest.ts";
import { Publishing } from "./publishing.ts";
import { Requests } from "./requests.ts";
import { chosenDriver, type Setting, validates } from "./settings.ts";
import { CONTRACT_FILE, ContractCheck, domainOf } from "./contract_check.ts";
import { recorder, reportCounters, type TelemetryTool } from "./telemetry.ts";
import { resilienceSettings } from "./resilience.ts";
import { BusShared, isThenable } from "./shared.ts";
import type { EventCounters } from "./stats.ts";
import type { Envelope, EventHandler, RequestHandler, UntypedEventBus } from "./types.ts";

/** Options of {@link EventBusTool}. */
export interface EventBusOptions {
  /**
   * The carrier of envelopes. Default: {@link InProcessDriver}, or the one `EVENT_BUS_DRIVER`
   * names; when a driver is given, `EVENT_BUS_DRIVER` is not read.
   */
  driver?: BusDriver;
}

/**
 * The `event_bus` tool. Plugins receive an {@link EventBus} bound to them (see `forOwner`).
 *
 * In-process by default: events live in memory, and a process that stops loses what is still
 * queued (see `quiesce`) unless they were published in a transaction with an outbox. With
 * `EVENT_BUS_DRIVER=nats` several instances share the bus through NATS JetStream. mod.ts states
 * the delivery guarantee of each.
 */
export class EventBusTool implements Tool {
  /** The name plugins ask for. */
  readonly name = "event_bus";
  /** One line for AI_CONTEXT.md and the status page. */
  readonly description =
    "Pub/sub with wildcards, retries, dead letters and groups; request/response between plugins";
  /** Records into `telemetry` when present: causal trees, counters per event for /metrics. */
  readonly uses = ["telemetry"];
  /** The variables the bus reads through `ctx.env` (see mod.ts for the NATS driver). */
  readonly env = {
    EVENT_BUS_DRIVER: "the driver that carries events: in_process (default; one process) or " +
      "nats (instances share the bus through NATS JetStream)",
    NATS_URL: "with EVENT_BUS_DRIVER=nats: the server URL(s), comma-separated " +
      "(default nats://127.0.0.1:4222)",
    EVENT_BUS_STREAM: "with EVENT_BUS_DRIVER=nats: the JetStream stream (created if missing) " +
      "and subject prefix, one per app (default microcore)",
    EVENT_BUS_PUBLISH_TIMEOUT_MS: "with EVENT_BUS_DRIVER=nats: how long an unconfirmed publish " +
      "is kept and retried while NATS is unreachable before its receipt rejects with kind " +
      "unavailable (default 10000)",
    EVENT_BUS_VALIDATE: "check every publish, request and response against the domains' " +
      "events.ts contracts (undeclared names and payloads that do not match fail) " +
      "(default true in dev and test, false in start)",
    EVENT_BUS_SUSPEND_AFTER: "suspend a subscription after this many deliveries failed in a " +
      "row, publishing system.subscriber.dropped once (default 5; 0 = never)",
    EVENT_BUS_DEAD_LETTERS: "on: a delivery failed for good sends _dlq.<name>; off: it does " +
      "not (event.delivery.failed is published either way) (default on)",
  } as const satisfies Record<Setting, string>;

  /** Deno permissions for these settings, for `deno task permissions` (see permissions.ts). */
  permissions(settings: PermissionSettings): PermissionNeeds {
    return busPermissions(settings);
  }

  readonly #s: BusShared;
  readonly #delivery: Delivery;
  readonly #requests: Requests;
  readonly #interest: BrokerInterest;
  /** A driver was given to the constructor: the settings do not choose one. */
  readonly #driverGiven: boolean;
  readonly #pub: Publishing;
  /** The domains' contracts, while validation is on (dev/test, or `EVENT_BUS_VALIDATE`). */
  #contracts: ContractCheck | undefined;
  #opening: Promise<void> | undefined;
  #ctx: ToolContext | undefined;

  /** A bus on `options.driver` (default: in-process, unless the settings choose another). */
  constructor(options: EventBusOptions = {}) {
    this.#driverGiven = options.driver !== undefined;
    const s = this.#s = new BusShared(options.driver ?? new InProcessDriver());
    const changed = () => this.#interest.changed();
    const delivery = this.#delivery = new Delivery(s, changed);
    const requests = this.#requests = new Requests(s, changed);
    this.#pub = new Publishing(s, () => this.#ctx, (env) => delivery.handled(env));
    this.#interest = new BrokerInterest(s, {
      subscriptions: () => delivery.live(),
      responders: () => requests.live(),
    });
    this.#open();
  }

  /**
   * Take the log sink, and the driver the settings choose: `EVENT_BUS_DRIVER` = `in_process`
   * (default) or `nats` (then `NATS_URL`, `EVENT_BUS_STREAM`, `EVENT_BUS_PUBLISH_TIMEOUT_MS`; see
   * mod.ts). With a networked driver, wait until it is connected; a broker that can't be reached
   * now fails the tool with its URL (later outages only degrade it).
   */
  setup(ctx: ToolContext): void | Promise<void> {
    const s = this.#s;
    this.#ctx = ctx;
    s.log = ctx.log;
    s.errorInfo = ctx.errorInfo;
    this.#contracts = validates((key) => ctx.env(key), ctx.mode) ? new ContractCheck() : undefined;
    const telemetry = ctx.tool<TelemetryTool>("telemetry");
    Object.assign(this.#delivery.resilience, resilienceSettings((key) => ctx.env(key)));
    s.causes = recorder(telemetry);
    s.tracing = telemetry?.tracing;
    reportCounters(telemetry, s.stats);
    const next = this.#driverGiven ? undefined : chosenDriver((key) => ctx.env(key), s.driver);
    if (next) return this.#use(next);
    if (this.#opening) return this.#opening;
  }

  async #use(next: Promise<BusDriver>): Promise<void> {
    const driver = await next;
    this.#s.driver.close();
    this.#s.driver = driver;
    this.#open();
    await this.#opening;
  }

  #open() {
    const host: DriverHost = {
      answer: (env) => this.#requests.answer(env),
      warn: (message, props) => this.#s.log.warn(message, props),
      health: (state, reason) => this.#ctx?.health(state, reason),
      unconfirmed: (env, e) => this.#pub.unconfirmed(env, e),
    };
    this.#s.dedupe = this.#s.driver.atLeastOnce === true || this.#pub.relaying;
    const r = this.#s.driver.open(this.#delivery.deliver, host);
    this.#opening = r instanceof Promise ? r : undefined;
    // Not every caller runs setup (which reports the error); don't leave a rejection unhandled.
    this.#opening?.catch(() => {});
  }

  /**
   * Once the initial boot is done, wait until the broker routes this instance's groups; then
   * start the outbox relay (if a tool offers an outbox): send what a crash or an outage left.
   */
  async onBootComplete(): Promise<void> {
    await this.settled();
    await this.#pub.startRelay();
  }

  /**
   * Settles once the driver reflects the current subscriptions and responders (at once for
   * the in-process driver; a networked one creates its consumers asynchronously).
   */
  settled(): Promise<void> {
    return this.#interest.settled();
  }

  /** Each domain's contract, read by the bus while validation is on (see `contracts.ts`). */
  readonly files: readonly string[] = [`domains/*/${CONTRACT_FILE}`];

  /** Load the domain's contract (`events.ts`) when validation is on; a bad file fails the domain. */
  async prepareDomain(domain: DomainInfo): Promise<void> {
    await this.#contracts?.load(domain);
  }

  /** The loaded contracts (empty while validation is off), for checks and tests. */
  contracts(): ReadonlyMap<string, import("./contracts.ts").Contract> {
    return this.#contracts?.all() ?? new Map();
  }

  /**
   * The {@link EventBus} a plugin receives; everything it registers is owned by `owner`. While
   * validation is on, its publishes, requests and responses are checked against the contracts.
   */
  forOwner(owner: Owner): UntypedEventBus {
    const api = this.#api(owner);
    const c = this.#contracts;
    if (!c) return api;
    const domain = domainOf(owner.id);
    return {
      publish: (name, payload, options) => {
        c.publish(owner.id, domain, name, payload);
        return api.publish(name, payload, options);
      },
      subscribe: api.subscribe,
      request: (name, payload, options) => {
        try {
          c.message(name, "request", payload);
        } catch (e) {
          return Promise.reject(e);
        }
        return api.request(name, payload, options);
      },
      respond: (name, handler) => {
        if (typeof handler !== "function") return api.respond(name, handler);
        c.respond(owner.id, name);
        const checked = (answer: unknown) => {
          c.message(name, "response", answer);
          return answer;
        };
        // A sync handler stays sync (answered without a timer or an extra promise hop).
        return api.respond(name, (req: Envelope) => {
          const answer = (handler as RequestHandler)(req);
          return isThenable(answer) ? Promise.resolve(answer).then(checked) : checked(answer);
        });
      },
    };
  }

  #api(owner: Owner): UntypedEventBus {
    // Per owner: names already validated and recorded → their counters (one Map lookup a publish).
    // The last name published or requested, to skip even that lookup when a plugin uses one often.
    const known = new Map<string, EventCounters>();
    let lastName: unknown, lastCounters: EventCounters | undefined;
    return {
      publish: (name, payload, options) => {
        let c = lastCounters;
        if (name !== lastName || c === undefined) {
          c = known.get(name) ?? this.#pub.first(owner, name, known);
          lastName = name;
          lastCounters = c;
        }
        return this.#pub.publish(owner, c, name, payload, options);
      },
      subscribe: (pattern, handler, options) =>
        this.#delivery.subscribe(owner, pattern, handler as EventHandler, options),
      request: (name, payload, options) => {
        let c = lastCounters;
        if (name !== lastName || c === undefined) {
          c = known.get(name);
          if (!c) {
            try {
              c = this.#pub.first(owner, name, known);
            } catch (e) {
              return Promise.reject(e);
            }
          }
          lastName = name;
          lastCounters = c;
        }
        return this.#requests.request(owner, c, name, payload, options);
      },
      respond: (name, handler) => this.#requests.respond(owner, name, handler as RequestHandler),
    };
  }

  /** Switch `owner.id` to `owner.generation`: its staged registrations go live, older ones go. */
  activate(owner: Owner): void {
    this.#s.activated(owner);
    this.#delivery.activate(owner);
    this.#requests.activate(owner);
    this.#interest.changed();
  }

  /** Remove the registrations of one generation of `ownerId`, or of all of them. */
  release(ownerId: string, generation?: number): void {
    this.#delivery.release(ownerId, generation);
    this.#requests.release(ownerId, generation);
    if (generation === undefined) {
      this.#s.forget(ownerId);
      this.#pub.forget(ownerId);
    }
    this.#interest.changed();
  }

  /** Wait (bounded) until the async handlers of one owner generation have settled. */
  async drain(ownerId: string, generation: number, timeoutMs: number): Promise<void> {
    await this.#s.generations.drain(ownerId, generation, timeoutMs);
  }

  /** What one plugin subscribes to, responds to and has published. */
  describeOwner(ownerId: string): Record<string, unknown> | undefined {
    const subscribes = this.#delivery.patternsOf(ownerId);
    const responds = this.#requests.namesOf(ownerId);
    const publishes = this.#pub.namesOf(ownerId);
    if (subscribes.length === 0 && responds.length === 0 && publishes.length === 0) {
      return undefined;
    }
    // A suspended subscription receives nothing until its plugin is reloaded: say so.
    const suspended = this.#delivery.suspendedOf(ownerId);
    return { subscribes, responds, publishes, ...(suspended.length ? { suspended } : {}) };
  }

  /** Counters per event name, live subscriptions and responders, queue and in-flight sizes. */
  describe(): Record<string, unknown> {
    const s = this.#s;
    const events: Record<string, unknown> = {};
    for (const name of s.stats.names()) {
      const { publishers, ...counts } = s.stats.of(name);
      const subscribers = this.#delivery.subscribersOf(name);
      events[name] = { ...counts, publishers: [...publishers], subscribers };
    }
    const responders: Record<string, string> = {};
    for (const r of this.#requests.live()) responders[r.name] = r.owner.id;
    return {
      driver: s.driver.kind,
      state: s.state,
      queued: s.driver.pending,
      inFlight: s.generations.all.inflight,
      ...this.#pub.counts(),
      events,
      subscriptions: this.#delivery.live().map((s) => ({
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
    if (this.#s.state !== "open") return;
    this.#s.state = "draining";
    await settleWithin(this.idle(), timeoutMs);
    this.#s.state = "closed";
    this.#pub.closeRelay();
  }

  /**
   * Resolves once nothing is queued, running or waiting for a retry (handlers may publish
   * again: it waits for those too). For tests and scripts; shutdown uses it bounded.
   */
  async idle(): Promise<void> {
    await this.#quiet();
    if (!(await this.#pub.relayIdle())) return;
    await this.#quiet(); // what the relay sent
  }

  /** Nothing queued, running or waiting for a retry (the outbox relay aside). */
  async #quiet(): Promise<void> {
    const s = this.#s;
    const all = s.generations.all;
    while (s.state !== "closed" && (s.driver.pending > 0 || all.inflight > 0)) {
      await s.driver.idle();
      await all.idle();
    }
  }

  /** Cancel retry and timeout timers, fail pending requests with `closed`, close the driver. */
  async shutdown(): Promise<void> {
    this.#s.state = "closed";
    this.#pub.closeRelay();
    this.#delivery.close();
    this.#s.deadlines.fireAll(); // pending requests fail with `closed`
    await this.#s.driver.close();
  }
}
