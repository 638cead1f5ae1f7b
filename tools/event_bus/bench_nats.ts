/**
 * Throughput of the bus over NATS JetStream: publish on instance A → delivered on instance B,
 * to an ungrouped subscriber and to a group (durable consumer, acknowledged per event).
 *
 * Run: `deno run -P=test tools/event_bus/bench_nats.ts [events]` with a NATS server at
 * `NATS_URL` (default nats://127.0.0.1:4222). Uses a throw-away memory stream.
 * @module
 */
import { standaloneContext } from "../../core/standalone.ts";
import { connect } from "nats";
import { EventBusTool } from "./event_bus_tool.ts";
import { NatsTransport } from "./nats_transport.ts";
import type { Owner } from "../../core/types.ts";

const N = Number(Deno.args[0] ?? 20_000);
const URL = Deno.env.get("NATS_URL") || "nats://127.0.0.1:4222";
const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
const stream = `mcbench_${crypto.randomUUID().slice(0, 8)}`;

async function instance() {
  const bus = new EventBusTool({
    transport: new NatsTransport({ url: URL, stream, storage: "memory" }),
  });
  await bus.setup(standaloneContext({ mode: "test", log: quiet }));
  const live = (id: string) => {
    const o: Owner = { id, generation: 1 };
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  return { bus, live };
}

async function run(label: string, group: string | undefined) {
  const a = await instance();
  const b = await instance();
  let n = 0;
  let resolve!: () => void;
  const all = new Promise<void>((r) => resolve = r);
  b.live("bench/sub").subscribe(`bench.${label}`, () => {
    if (++n === N) resolve();
  }, group ? { group } : {});
  await b.bus.settled();
  const pub = a.live("bench/pub");
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    pub.publish(`bench.${label}`, { i, text: "hello" });
    if ((i & 1023) === 1023) await new Promise((r) => setTimeout(r, 0)); // let acks flow
  }
  await all;
  const ms = performance.now() - t0;
  console.log(`${label}: ${N} events in ${ms.toFixed(0)} ms = ${(N / ms * 1000).toFixed(0)}/s`);
  await a.bus.quiesce(5000);
  await b.bus.quiesce(5000);
  await a.bus.shutdown();
  await b.bus.shutdown();
}

await run("solo", undefined);
await run("group", "workers");
const nc = await connect({ servers: URL });
await (await nc.jetstreamManager()).streams.delete(stream);
await nc.close();
