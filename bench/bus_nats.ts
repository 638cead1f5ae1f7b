/**
 * Scenario `bus_nats`: publish → delivered over NATS JetStream, through the event bus (instance
 * A publishes, instance B's subscriber receives; ungrouped, and through a group) against the
 * raw client (`@nats-io/transport-node` + `@nats-io/jetstream`) doing the same work in the same
 * run: a JetStream publish with a message id, confirmed, read on another connection by a durable
 * consumer and acknowledged. Rounds alternate the two sides; the ratio is the median of the
 * per-round ratios (target ≥ 0.8×, issue 15).
 *
 * Needs a NATS server with JetStream at `NATS_URL` (default nats://127.0.0.1:4222; skipped with
 * a log line when none answers); each side of each round uses a throw-away memory stream,
 * deleted after. `deno task bench bus_nats`, or on its own:
 *
 *   deno run -P=bench bench/bus_nats.ts [--quick]     # 9 rounds of 5000 events (quick: 1 × 2000)
 * @module
 */
import type { Owner } from "@core";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { connect } from "@nats-io/transport-node";
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { EventBusTool } from "@tools/event_bus/mod.ts";
import { NatsDriver } from "@tools/event_bus/nats_driver.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { median } from "./stats.ts";

const URL = env("NATS_URL") || "nats://127.0.0.1:4222";
const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
const YIELD = 1023; // let confirmations flow every 1024 publishes, on both sides

/** A variable, or undefined when unset or not permitted. */
function env(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}

const streamName = () => `mcbench_${crypto.randomUUID().slice(0, 8)}`;

async function deleteStream(name: string): Promise<void> {
  const nc = await connect({ servers: URL });
  await (await jetstreamManager(nc)).streams.delete(name).catch(() => {});
  await nc.close();
}

async function instance(stream: string) {
  const bus = new EventBusTool({ driver: new NatsDriver({ url: URL, stream, storage: "memory" }) });
  await bus.setup(standaloneContext({ mode: "start", log: quiet }));
  const live = (id: string) => {
    const o: Owner = { id, generation: 1 };
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  return { bus, live };
}

/** Events/s published on A and delivered to B's subscriber (`group`: through a group). */
async function viaBus(n: number, group: string | undefined): Promise<number> {
  const stream = streamName();
  const a = await instance(stream);
  const b = await instance(stream);
  let got = 0;
  const all = Promise.withResolvers<void>();
  b.live("bench/sub").subscribe("bench.event", () => {
    if (++got === n) all.resolve();
  }, group ? { group } : {});
  await b.bus.settled();
  const pub = a.live("bench/pub");
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    pub.publish("bench.event", { i, text: "hello" });
    if ((i & YIELD) === YIELD) await new Promise((r) => setTimeout(r, 0));
  }
  await all.promise;
  const rate = n / ((performance.now() - t0) / 1000);
  for (const x of [a, b]) await x.bus.quiesce(5000);
  for (const x of [a, b]) await x.bus.shutdown();
  await deleteStream(stream);
  return rate;
}

/** Events/s of the same work with the raw client: publish with a msg id, consume and ack. */
async function viaRaw(n: number): Promise<number> {
  const stream = streamName();
  const pc = await connect({ servers: URL });
  const sc = await connect({ servers: URL });
  const jsm = await jetstreamManager(pc);
  await jsm.streams.add({
    name: stream,
    subjects: [`${stream}.>`],
    retention: RetentionPolicy.Interest,
    storage: StorageType.Memory,
  });
  await jsm.consumers.add(stream, { durable_name: "raw", ack_policy: AckPolicy.Explicit });
  const messages = await jetstream(sc).consumers.get(stream, "raw").then((c) =>
    c.consume({ max_messages: 256 })
  );
  let got = 0;
  const all = Promise.withResolvers<void>();
  (async () => {
    for await (const m of messages) {
      m.ack();
      JSON.parse(m.string());
      if (++got === n) all.resolve();
    }
  })();
  const js = jetstream(pc);
  const acks: Promise<unknown>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const id = `raw-${i}`;
    const body = JSON.stringify({ id, name: "bench.event", payload: { i, text: "hello" } });
    acks.push(js.publish(`${stream}.bench.event`, body, { msgID: id }));
    if ((i & YIELD) === YIELD) await new Promise((r) => setTimeout(r, 0));
  }
  await all.promise;
  const rate = n / ((performance.now() - t0) / 1000);
  await Promise.all(acks);
  await messages.close();
  await jsm.streams.delete(stream).catch(() => {});
  await pc.close();
  await sc.close();
  return rate;
}

/** Alternate rounds of raw and bus; one row per bus case. */
export async function run(options: BenchOptions): Promise<ScenarioResult> {
  try {
    await (await connect({ servers: URL, timeout: 2000 })).close();
  } catch (e) {
    options.log(`no NATS server at ${URL} (${(e as Error).message}): skipped`);
    return { rows: [] };
  }
  const n = options.quick ? 2000 : 5000;
  const rounds = options.quick ? 1 : 9;
  const cases = [["ungrouped subscriber", undefined], ["group", "workers"]] as const;
  const raw: number[] = [];
  const bus: number[][] = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Odd rounds measure the bus first: neither side always runs on a warmer machine.
    if (r % 2 === 0) raw.push(await viaRaw(n));
    for (let c = 0; c < cases.length; c++) bus[c].push(await viaBus(n, cases[c][1]));
    if (r % 2 === 1) raw.push(await viaRaw(n));
    options.log(
      `round ${r + 1}/${rounds}: raw ${raw[r].toFixed(0)}/s, ` +
        cases.map(([label], c) => `${label} ${bus[c][r].toFixed(0)}/s`).join(", "),
    );
  }
  const rows: Row[] = cases.map(([label], c) => {
    const ratio = median(bus[c].map((v, r) => v / raw[r]));
    return {
      scenario: "bus_nats",
      case: `publish → delivered on another instance, ${label}`,
      value: median(bus[c]),
      unit: "events/s",
      baseline: { name: "raw @nats-io client", value: median(raw) },
      ratio,
      target: "≥ 0.80×",
      pass: ratio >= 0.8,
      samples: `${rounds} × ${n} events`,
    };
  });
  return {
    rows,
    details: { n, rounds, raw, bus: Object.fromEntries(cases.map(([l], c) => [l, bus[c]])) },
  };
}

if (import.meta.main) {
  const log = (m: string) => console.error(`[bus_nats] ${m}`);
  const { rows } = await run({ quick: Deno.args.includes("--quick"), log });
  for (const r of rows) {
    console.log(
      `${r.case}: ${r.value.toFixed(0)}/s vs raw ${r.baseline!.value.toFixed(0)}/s = ` +
        `${r.ratio!.toFixed(2)}× (target ${r.target}${r.pass ? "" : ", missed"}); ${r.samples}`,
    );
  }
}
