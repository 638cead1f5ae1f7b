/**
 * Scenario `state`: the state tool on Redis (`STATE_DRIVER=redis`), as a plugin receives it,
 * against raw node-redis (`createClient({ url })`, its defaults) on the same server
 * (`REDIS_URL`, default `redis://127.0.0.1:6379`): get and set of a small JSON object, and
 * increment. A reference row (no target) compares with the leanest raw use: the tool's own wire
 * settings (RESP2, no per-command timer) through `sendCommand`. Each case runs its calls one after another (as one request handler makes them) and
 * 32 at a time (as concurrent requests do, pipelined on one connection). Both sides alternate over
 * the rounds; values are medians, a ratio the median of the per-round ratios. Keys live under a
 * prefix of their own and are deleted after. Skipped, with a log line, when no server answers.
 * @module
 */
import { createClient } from "@redis/client";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import StateTool, { type State } from "../tools/state/mod.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { median, round } from "./stats.ts";

const URL_ = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
const VALUE = { id: 42, name: "tea", tags: ["green", "loose"], price: 3.5 };
const KEYS = 100;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

interface Case {
  name: string;
  raw: (i: number) => Promise<unknown>;
  tool: (i: number) => Promise<unknown>;
  /** The leanest raw use (RESP2, no timer, `sendCommand`): a reference row, no target. */
  lean: (i: number) => Promise<unknown>;
}

/** `ops` calls of `f`, `width` at a time; returns the elapsed ms. */
async function drive(f: (i: number) => Promise<unknown>, ops: number, width: number) {
  const t = performance.now();
  if (width === 1) {
    for (let i = 0; i < ops; i++) await f(i);
  } else {
    for (let i = 0; i < ops; i += width) {
      await Promise.all(Array.from({ length: width }, (_, j) => f(i + j)));
    }
  }
  return performance.now() - t;
}

/** The raw client as a user creates it (node-redis's defaults: RESP3, a 5 s command timeout). */
function rawClient() {
  return createClient({ url: URL_ });
}

/** The raw client with the tool's own wire settings: RESP2, no per-command timeout. */
function leanClient() {
  return createClient({ url: URL_, RESP: 2, commandOptions: { timeout: 0 } });
}

function cases(
  raw: ReturnType<typeof rawClient>,
  lean: ReturnType<typeof leanClient>,
  tool: State,
  id: string,
): Case[] {
  const rk = (i: number) => `bench:raw:${id}:${i % KEYS}`;
  const tk = (i: number) => `k${i % KEYS}`;
  const n = `bench:raw:${id}:n`;
  return [
    {
      name: "get (small JSON object)",
      raw: async (i) => JSON.parse((await raw.get(rk(i))) as string),
      tool: (i) => tool.get(tk(i)),
      lean: async (i) => JSON.parse((await lean.sendCommand(["GET", rk(i)])) as string),
    },
    {
      name: "set (small JSON object)",
      raw: (i) => raw.set(rk(i), JSON.stringify(VALUE)),
      tool: (i) => tool.set(tk(i), VALUE),
      lean: (i) => lean.sendCommand(["SET", rk(i), JSON.stringify(VALUE)]),
    },
    {
      name: "increment",
      raw: () => raw.incrBy(n, 1),
      tool: () => tool.increment("n"),
      lean: () => lean.sendCommand(["INCRBY", n, "1"]),
    },
  ];
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const rounds = o.quick ? 3 : 9;
  const ops = o.quick ? 640 : 3200;
  const raw = rawClient();
  const lean = leanClient();
  raw.on("error", () => {});
  lean.on("error", () => {});
  const service = new StateTool();
  try {
    await Promise.race([
      raw.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("no answer in 2 s")), 2000)),
    ]);
  } catch (e) {
    raw.destroy();
    lean.destroy();
    o.log(`no Redis at ${URL_} (${(e as Error).message}): state cases skipped`);
    return { rows: [], details: { skipped: `no Redis at ${URL_}` } };
  }
  await lean.connect();
  const id = crypto.randomUUID().slice(0, 8);
  await service.setup(standaloneContext({
    mode: "start",
    log: quiet,
    env: { STATE_DRIVER: "redis", REDIS_URL: URL_ },
  }));
  const tool = service.forOwner().namespace(`bench-${id}`);
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  try {
    for (let i = 0; i < KEYS; i++) {
      await raw.set(`bench:raw:${id}:${i}`, JSON.stringify(VALUE));
      await tool.set(`k${i}`, VALUE);
    }
    for (const c of cases(raw, lean, tool, id)) {
      for (const width of [1, 32]) {
        const ms = { raw: [] as number[], tool: [] as number[], lean: [] as number[] };
        for (const side of ["raw", "tool", "lean"] as const) await drive(c[side], ops / 4, width);
        for (let r = 0; r < rounds; r++) { // alternate, so drift hits every side alike
          for (const side of ["raw", "tool", "lean"] as const) {
            ms[side].push(await drive(c[side], ops, width));
          }
        }
        const rate = (xs: number[]) => ops / (median(xs) / 1000);
        const [rawOps, toolOps, leanOps] = [rate(ms.raw), rate(ms.tool), rate(ms.lean)];
        const name = `redis: ${c.name}, ${width === 1 ? "one at a time" : `${width} at a time`}`;
        details[name] = { rawOps, toolOps, leanOps, ops, rounds, width };
        o.log(
          `${name}: tool ${Math.round(toolOps)}/s, raw ${Math.round(rawOps)}/s, ` +
            `lean raw ${Math.round(leanOps)}/s`,
        );
        const row = (baseline: string, base: number[], target: boolean): Row => {
          const ratio = median(base.map((b, i) => b / ms.tool[i]));
          const baseOps = rate(base);
          return {
            scenario: "state",
            case: target ? name : `${name}: tool vs raw sendCommand, RESP2, no timer`,
            value: toolOps,
            unit: "ops/s",
            baseline: { name: baseline, value: baseOps },
            ratio,
            ...(target ? { target: "≥ 0.90×", pass: ratio >= 0.9 } : {}),
            samples: `median of ${rounds} × ${ops.toLocaleString("en-US")} ops`,
            note: `${round(1e6 / toolOps, 2)} µs/op vs ${round(1e6 / baseOps, 2)} µs/op`,
          };
        };
        rows.push(row("raw node-redis", ms.raw, true));
        rows.push(row("raw sendCommand", ms.lean, false));
      }
    }
  } finally {
    await tool.clear().catch(() => {});
    const left = [
      `bench:raw:${id}:n`,
      ...Array.from({ length: KEYS }, (_, i) => `bench:raw:${id}:${i}`),
    ];
    await raw.del(left).catch(() => {});
    await service.shutdown();
    raw.destroy();
    lean.destroy();
  }
  return { rows, details };
}
