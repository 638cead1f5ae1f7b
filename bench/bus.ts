/**
 * Scenario `bus`: publish → delivered events/s with 1 and 10 subscribers, and sequential
 * request → response round trips/s, through the event bus as plugins receive it (the tool the
 * kernel builds, `forOwner`/`activate`), against a bare `EventTarget` doing the same fan-out and
 * the same hand-made request/reply. In this process, alternating rounds; medians over the rounds,
 * and the ratio is the median of the per-round ratios.
 * @module
 */
import { median } from "./stats.ts";
import type { Owner } from "@core";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import EventBusTool from "../tools/event_bus/mod.ts";
import { TelemetryTool } from "@tools/telemetry/tool.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";

const BATCH = 1000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** How the bus is set up: as in `start`, validating (dev/test), or recording causal trees. */
type Variant = "start" | "validating" | "traced";

function newBus(variant: Variant = "start"): EventBusTool {
  const bus = new EventBusTool();
  const ctx = standaloneContext({ mode: variant === "validating" ? "test" : "start", log: quiet });
  if (variant === "traced") {
    const telemetry = new TelemetryTool({ traces: 200 });
    telemetry.setup(standaloneContext({ log: quiet }));
    bus.setup({
      ...ctx,
      tool: <T>(name: string) => (name === "telemetry" ? telemetry : undefined) as T,
    });
  } else bus.setup(ctx);
  return bus;
}

function live(bus: EventBusTool, id: string) {
  const owner: Owner = { id, generation: 1 };
  const api = bus.forOwner(owner);
  bus.activate(owner);
  return api;
}

/** Deliveries/s of publish → `subs` subscribers through the bus (waits for every delivery). */
async function busFanOut(subs: number, n: number, variant?: Variant): Promise<number> {
  const bus = newBus(variant);
  const pub = live(bus, "bench/pub");
  let count = 0, target = 0;
  let wake: (() => void) | undefined;
  for (let s = 0; s < subs; s++) {
    live(bus, `bench/sub${s}`).subscribe("product.created", () => {
      if (++count === target) wake?.();
    });
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    target = count + BATCH * subs;
    const done = new Promise<void>((r) => wake = r);
    for (let j = 0; j < BATCH; j++) pub.publish("product.created", { id: i + j, name: "chair" });
    await done;
  }
  const rate = (n * subs) / ((performance.now() - t0) / 1000);
  await bus.shutdown();
  return rate;
}

/** Deliveries/s of the same fan-out on a bare EventTarget. */
async function targetFanOut(subs: number, n: number): Promise<number> {
  const et = new EventTarget();
  let count = 0;
  for (let s = 0; s < subs; s++) et.addEventListener("product.created", () => void count++);
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    for (let j = 0; j < BATCH; j++) {
      et.dispatchEvent(
        new CustomEvent("product.created", { detail: { id: i + j, name: "chair" } }),
      );
    }
    await null;
  }
  if (count !== n * subs) throw new Error(`EventTarget delivered ${count} of ${n * subs}`);
  return (n * subs) / ((performance.now() - t0) / 1000);
}

/** Round trips/s of request → respond through the bus, one at a time. */
async function busRequests(n: number, variant?: Variant): Promise<number> {
  const bus = newBus(variant);
  live(bus, "bench/resp").respond<{ n: number }>(
    "stock.level",
    (req) => ({ n: req.payload.n + 1 }),
  );
  const caller = live(bus, "bench/caller");
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await caller.request("stock.level", { n: i });
  const rate = n / ((performance.now() - t0) / 1000);
  await bus.shutdown();
  return rate;
}

/** Round trips/s of the same request/reply by hand on an EventTarget. */
async function targetRequests(n: number): Promise<number> {
  const et = new EventTarget();
  et.addEventListener("stock.level", (e) => {
    const { n, reply } = (e as CustomEvent<{ n: number; reply: (v: unknown) => void }>).detail;
    reply({ n: n + 1 });
  });
  const request = (n: number) =>
    new Promise((reply) =>
      et.dispatchEvent(new CustomEvent("stock.level", { detail: { n, reply } }))
    );
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await request(i);
  return n / ((performance.now() - t0) / 1000);
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const n = o.quick ? 50_000 : 200_000;
  const rounds = o.quick ? 3 : 5;
  // [case, unit, bus, EventTarget, the target (none: a row that shows a cost)]
  const cases: [
    string,
    string,
    (n: number) => Promise<number>,
    (n: number) => Promise<number>,
    number | undefined,
  ][] = [
    [
      "publish → 1 subscriber",
      "deliveries/s",
      (k) => busFanOut(1, k),
      (k) => targetFanOut(1, k),
      1,
    ],
    [
      "publish → 10 subscribers",
      "deliveries/s",
      (k) => busFanOut(10, k / 10),
      (k) => targetFanOut(10, k / 10),
      0.5,
    ],
    ["request → response, sequential", "round trips/s", busRequests, targetRequests, 0.8],
    [
      "publish → 1 subscriber, validating contracts (dev/test)",
      "deliveries/s",
      (k) => busFanOut(1, k, "validating"),
      (k) => targetFanOut(1, k),
      undefined,
    ],
    [
      "request → response, validating contracts (dev/test)",
      "round trips/s",
      (k) => busRequests(k, "validating"),
      targetRequests,
      undefined,
    ],
    [
      "publish → 1 subscriber, causal traces on (dev)",
      "deliveries/s",
      (k) => busFanOut(1, k, "traced"),
      (k) => targetFanOut(1, k),
      undefined,
    ],
  ];
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  for (const [name, unit, bus, target, goal] of cases) {
    await bus(Math.min(n, 20_000)); // warm-up
    await target(Math.min(n, 20_000));
    const busRates: number[] = [], targetRates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      busRates.push(await bus(n));
      targetRates.push(await target(n));
    }
    const busRate = median(busRates), targetRate = median(targetRates);
    const ratio = median(busRates.map((b, i) => b / targetRates[i]));
    details[name] = { bus: busRates, eventTarget: targetRates };
    o.log(`${name}: bus ${Math.round(busRate)} ${unit}, EventTarget ${Math.round(targetRate)}`);
    rows.push({
      scenario: "bus",
      case: name,
      value: busRate,
      unit: unit,
      baseline: { name: "bare EventTarget", value: targetRate },
      ratio,
      ...(goal === undefined ? {} : { target: `≥ ${goal.toFixed(1)}×`, pass: ratio >= goal }),
      samples: `median of ${rounds} × ${n.toLocaleString("en-US")} ${
        name.startsWith("request") ? "requests" : "deliveries"
      }`,
    });
  }
  return { rows, details };
}
