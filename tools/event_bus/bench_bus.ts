/**
 * Throughput of the in-process bus against a bare `EventTarget` doing the same fan-out.
 *
 * Run: `deno run tools/event_bus/bench_bus.ts` (no permissions needed).
 * @module
 */
import { standaloneContext } from "../../core/standalone.ts";
import { EventBusTool } from "./event_bus_tool.ts";
import { InProcessTransport, type Scheduler } from "./transport.ts";
import type { Owner } from "../../core/types.ts";

const N = Number(Deno.args[0] ?? 200_000);
const BATCH = 1000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const owner = (id: string): Owner => ({ id, generation: 1 });

function newBus(scheduler: Scheduler = "microtask") {
  const bus = new EventBusTool({ transport: new InProcessTransport(scheduler) });
  bus.setup(standaloneContext({ mode: "test", log: quiet }));
  return bus;
}

function live(bus: EventBusTool, id: string) {
  const o = owner(id);
  const api = bus.forOwner(o);
  bus.activate(o);
  return api;
}

/** Events/s for publish → delivered to `subs` subscribers, through the bus. */
async function busFanOut(subs: number, scheduler: Scheduler): Promise<number> {
  const bus = newBus(scheduler);
  const pub = live(bus, "bench/pub");
  let count = 0;
  let target = 0;
  let wake: (() => void) | undefined;
  for (let s = 0; s < subs; s++) {
    live(bus, `bench/sub${s}`).subscribe("product.created", () => {
      if (++count === target) wake?.();
    });
  }
  const run = async (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      target = count + BATCH * subs;
      const done = new Promise<void>((r) => wake = r);
      for (let j = 0; j < BATCH; j++) pub.publish("product.created", { id: i + j, name: "chair" });
      await done;
    }
    return n / ((performance.now() - t0) / 1000);
  };
  await run(Math.min(N, 20_000)); // warm up
  const rate = await run(N);
  await bus.shutdown();
  return rate;
}

/** Events/s for the same fan-out on a bare EventTarget (synchronous dispatch, no copies). */
async function targetFanOut(subs: number): Promise<number> {
  const et = new EventTarget();
  let count = 0;
  for (let s = 0; s < subs; s++) et.addEventListener("product.created", () => void count++);
  const run = async (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      for (let j = 0; j < BATCH; j++) {
        et.dispatchEvent(
          new CustomEvent("product.created", { detail: { id: i + j, name: "chair" } }),
        );
      }
      await null;
    }
    return n / ((performance.now() - t0) / 1000);
  };
  await run(Math.min(N, 20_000));
  const rate = await run(N);
  if (count === 0) throw new Error("no deliveries");
  return rate;
}

/** Round trips/s of request → respond, one at a time. */
async function busRequests(async: boolean): Promise<number> {
  const bus = newBus();
  const r = live(bus, "bench/resp");
  const c = live(bus, "bench/caller");
  r.respond<{ n: number }>(
    "stock.level",
    async
      ? (req) => Promise.resolve({ n: req.payload.n + 1 })
      : (req) => ({ n: req.payload.n + 1 }),
  );
  const run = async (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await c.request("stock.level", { n: i });
    return n / ((performance.now() - t0) / 1000);
  };
  await run(Math.min(N, 20_000));
  const rate = await run(N);
  await bus.shutdown();
  return rate;
}

/** Round trips/s of the same request/response done by hand on an EventTarget. */
async function targetRequests(async: boolean): Promise<number> {
  const et = new EventTarget();
  et.addEventListener("stock.level", (e) => {
    const { n, reply } = (e as CustomEvent<{ n: number; reply: (v: unknown) => void }>).detail;
    if (async) Promise.resolve({ n: n + 1 }).then(reply);
    else reply({ n: n + 1 });
  });
  const request = (n: number) =>
    new Promise((reply) =>
      et.dispatchEvent(new CustomEvent("stock.level", { detail: { n, reply } }))
    );
  const run = async (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await request(i);
    return n / ((performance.now() - t0) / 1000);
  };
  await run(Math.min(N, 20_000));
  return await run(N);
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(12);
const ratio = (a: number, b: number) => (a / b).toFixed(2) + "×";

console.log(
  `Deno ${Deno.version.deno}, V8 ${Deno.version.v8}; ${N.toLocaleString()} events per run, batches of ${BATCH}\n`,
);
for (const subs of [1, 10]) {
  const et = await targetFanOut(subs);
  const micro = await busFanOut(subs, "microtask");
  const timeout = await busFanOut(subs, "timeout");
  console.log(`fan-out to ${subs} subscriber(s), events/s:`);
  console.log(`  EventTarget (bare)          ${fmt(et)}`);
  console.log(`  bus, microtask scheduler    ${fmt(micro)}   ${ratio(micro, et)} of EventTarget`);
  console.log(
    `  bus, setTimeout(0) schedule ${fmt(timeout)}   ${ratio(timeout, et)} of EventTarget`,
  );
  console.log(`  deliveries/s (bus, micro)   ${fmt(micro * subs)}\n`);
}
const etReq = await targetRequests(false);
const etAsyncReq = await targetRequests(true);
const syncReq = await busRequests(false);
const asyncReq = await busRequests(true);
console.log("request–response round trips/s (sequential):");
console.log(`  EventTarget, sync reply     ${fmt(etReq)}`);
console.log(`  bus, sync responder         ${fmt(syncReq)}   ${ratio(syncReq, etReq)}`);
console.log(`  EventTarget, async reply    ${fmt(etAsyncReq)}`);
console.log(`  bus, async responder        ${fmt(asyncReq)}   ${ratio(asyncReq, etAsyncReq)}`);
