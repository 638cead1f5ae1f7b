/**
 * Test helpers: owners, a set-up bus whose log records its lines, and a way to let it settle.
 * @module
 */
import type { LogSink, Owner } from "@core";
import { connect } from "@nats-io/transport-node";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { type LogLine, recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { EventBusTool } from "./tool.ts";
import type { BusDriver, Deliver, DriverHost, Interest } from "./driver.ts";
import type { Envelope, UntypedEventBus } from "./types.ts";

/** What {@link makeBus} returns. */
export interface TestBus {
  /** The tool, set up. */
  bus: EventBusTool;
  /** Its log, keeping every line. */
  log: LogSink & { lines: LogLine[] };
  /** Activates owner `id` (generation 1 unless given) and returns its API. */
  live(id: string, generation?: number): UntypedEventBus;
}

/** An owner (plugin id + generation). */
export function owner(id: string, generation = 1): Owner {
  return { id, generation, domain: id.split("/")[0] };
}

/** A set-up bus, its recording log, and a helper that activates an owner and returns its API. */
export function makeBus(): TestBus {
  const bus = new EventBusTool();
  const log = recordingLog();
  bus.setup(standaloneContext({ log }));
  const live = (id: string, generation = 1) => {
    const o = owner(id, generation);
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  return { bus, log, live };
}

/** Let queued microtasks and `ms` of timers run. */
export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A driver that records what the bus hands it and lets the test play the broker: call
 * `deliver` with an audience, answer through `host`, see each `interest`.
 */
export class FakeDriver implements BusDriver {
  /** Driver name for the status page. */
  readonly kind = "fake";
  /** Envelopes the bus sent, in order. */
  readonly sent: Envelope[] = [];
  /** Every interest the bus told, in order. */
  readonly interests: Interest[] = [];
  /** How often `close` ran. */
  closes = 0;
  /** How often `settled` ran. */
  settles = 0;
  /** What `pending` reports. */
  pending = 0;
  /** What the bus passed to `open`. */
  deliver: Deliver = () => {};
  /** The bus's host, passed to `open`. */
  host: DriverHost | undefined;
  /** When set, `request` (remote requests) calls it. */
  remote: ((env: Envelope, timeoutMs: number) => Promise<unknown>) | undefined;
  /** Present only when `remote` is wanted (the bus checks for the method). */
  request?: (env: Envelope, timeoutMs: number) => Promise<unknown>;

  /** `routes`: whether the driver has `interest` / `settled` (a broker-routing driver). */
  constructor(routes = true, remote?: (env: Envelope, timeoutMs: number) => Promise<unknown>) {
    if (!routes) {
      this.interest = undefined;
      this.settled = undefined;
    }
    if (remote) this.request = remote;
  }

  open(deliver: Deliver, host?: DriverHost): void {
    this.deliver = deliver;
    this.host = host;
  }

  send(envelope: Envelope): void {
    this.sent.push(envelope);
  }

  idle(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.closes++;
  }

  interest? = (interest: Interest): void => {
    this.interests.push(interest);
  };

  settled? = (): Promise<void> => {
    this.settles++;
    return Promise.resolve();
  };
}

/** A bus on a {@link FakeDriver}, set up with a recording log. */
export function makeFakeBus(driver = new FakeDriver()): TestBus & { driver: FakeDriver } {
  const bus = new EventBusTool({ driver });
  const log = recordingLog();
  bus.setup(standaloneContext({ log }));
  const live = (id: string, generation = 1) => {
    const o = owner(id, generation);
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  return { bus, log, live, driver };
}

/** A stamped envelope, as a driver would hand it over. */
export function envelope(name: string, payload: unknown = null, id = `id-${name}`): Envelope {
  return Object.freeze({ id, name, payload, time: 0, source: "x/remote", correlationId: id });
}

/** The NATS server the tests use: `NATS_URL`, else the driver's default. */
export const NATS_URL = Deno.env.get("NATS_URL") || "nats://127.0.0.1:4222";

/** Whether a NATS server answers at {@link NATS_URL} (NATS tests skip themselves if not). */
export async function natsReachable(): Promise<boolean> {
  const u = new URL(NATS_URL.split(",")[0].replace(/^nats:/, "http:"));
  try {
    const c = await Deno.connect({ hostname: u.hostname, port: Number(u.port || 4222) });
    c.close();
    return true;
  } catch {
    return false;
  }
}

/** A fresh stream name for one test. */
export function testStream(): string {
  return `mctest_${crypto.randomUUID().slice(0, 8)}`;
}

/** Run `fn` on a plain NATS connection (its JetStream manager too), then close it. */
export async function withNats<T>(
  fn: (nc: NatsConnection, jsm: JetStreamManager) => Promise<T>,
): Promise<T> {
  const nc = await connect({ servers: NATS_URL });
  try {
    return await fn(nc, await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

/** Delete the streams a test made (ignoring those that are gone). */
export function deleteStreams(...names: string[]): Promise<void> {
  return withNats(async (_nc, jsm) => {
    for (const n of names) await jsm.streams.delete(n).catch(() => {});
  });
}

/** Wait until `cond` holds (polling every 5 ms), at most `ms`. */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await tick(5);
  }
}
