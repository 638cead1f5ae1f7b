/**
 * Throughput of the bus over NATS JetStream: publish on instance A → delivered on instance B,
 * to an ungrouped subscriber and to a group (durable consumer, acknowledged per event).
 *
 * A standalone script, not a scenario of `bench/mod.ts`. Run it with a NATS server (JetStream
 * on) at `NATS_URL` (default nats://127.0.0.1:4222):
 *
 *   deno run -P=bench bench/bus_nats.ts [events]      # default 20000 events
 *
 * (`-P=bench` reaches 127.0.0.1 only; for a server elsewhere add `--allow-net`, and
 * `--allow-env=NATS_URL` to point at it.) Uses a throw-away memory stream, deleted at the end.
 * @module
 */
import type { Owner } from "@core";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { connect } from "nats";
import { EventBusTool } from "@tools/event_bus/mod.ts";
import { NatsDriver } from "@tools/event_bus/nats_driver.ts";

const N = Number(Deno.args[0] ?? 20_000);
const URL = env("NATS_URL") || "nats://127.0.0.1:4222";
const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
const stream = `mcbench_${crypto.randomUUID().slice(0, 8)}`;

/** A variable, or undefined when unset or not permitted. */
function env(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}

async function instance() {
  const bus = new EventBusTool({
    driver: new NatsDriver({ url: URL, stream, storage: "memory" }),
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
