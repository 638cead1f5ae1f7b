/**
 * The benchmark suite: every figure is a ratio against a baseline measured in the same run on
 * the same machine (absolute numbers drift by a third between runs on shared machines).
 *
 *   deno task bench                 # every scenario, one table, bench/results.local.json
 *   deno task bench http reload     # some scenarios (their rows replace those in the file)
 *   deno task bench --quick         # fewer iterations: a smoke run, not for publishing
 *   deno task bench --save          # write the committed bench/results.json instead
 *
 * Scenarios: http, auth, reload, boot, memory, db, outbox, jobs, bus, state (see each file's header). Needs
 * `wrk` for http and reload (`sudo apt-get install -y wrk`); pins servers and load generator to
 * different cores with `taskset` when there are two or more.
 * @module
 */
import { CPUS, hasTaskset } from "./proc.ts";
import { type Results, type Row, table } from "./report.ts";
import type { Scenario } from "./scenario.ts";
import { round } from "./stats.ts";
import { WRK_HELP } from "./wrk.ts";
import { cliArgs } from "../cli/args.ts";

/** Every scenario, in the order they run. */
export const SCENARIOS: Record<string, () => Promise<Scenario>> = {
  http: () => import("./http.ts"),
  auth: () => import("./auth.ts"),
  reload: () => import("./reload.ts"),
  boot: () => import("./boot.ts"),
  memory: () => import("./memory.ts"),
  db: () => import("./db.ts"),
  outbox: () => import("./outbox.ts"),
  jobs: () => import("./jobs.ts"),
  bus: () => import("./bus.ts"),
  bus_nats: () => import("./bus_nats.ts"),
  state: () => import("./state.ts"),
};

/** The committed results (`--save`), quoted by the docs. */
const SAVED = new URL("./results.json", import.meta.url);
/** Where a run writes unless asked to update the committed file (ignored by git). */
const LOCAL = new URL("./results.local.json", import.meta.url);

/** The command line of `deno task bench`. */
export const BENCH_USAGE = `usage: deno task bench [--quick] [--save] [scenario…]
  scenarios: ${Object.keys(SCENARIOS).join(", ")} (default: all; about 5 minutes)
  --quick   fewer iterations and shorter runs: a smoke run, not for publishing
  --save    write bench/results.json (the committed figures the docs quote) instead of
            bench/results.local.json
  Needs wrk for http and reload; servers and load run on different cores when there are two.`;

function machine(): Results["machine"] {
  const safe = <T>(f: () => T) => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: `${Deno.build.os} ${safe(() => Deno.osRelease()) ?? ""}`.trim(),
    cpus: CPUS,
    loadavg: safe(() => Deno.loadavg()),
  };
}

async function previous(file: URL): Promise<Results | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  const { flags, positionals: names } = cliArgs({
    usage: BENCH_USAGE,
    booleans: ["--quick", "--save"],
    maxPositionals: Object.keys(SCENARIOS).length,
  });
  const quick = flags["--quick"] === true;
  const RESULTS = flags["--save"] ? SAVED : LOCAL;
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(", ")}; known: ${Object.keys(SCENARIOS)}`);
    Deno.exit(2);
  }
  const chosen = names.length ? names : Object.keys(SCENARIOS);
  const log = (m: string) => console.error(`[bench] ${m}`);
  log(
    `${chosen.join(", ")}${quick ? " (quick)" : ""} on ${CPUS} CPU(s); pinning ${
      CPUS > 1 && await hasTaskset() ? "with taskset (servers on CPU 0, load on CPU 1)" : "off"
    }`,
  );
  const t0 = performance.now();
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const name of chosen) {
    const t = performance.now();
    log(`— ${name}`);
    try {
      const mod = await SCENARIOS[name]();
      const r = await mod.run({ quick, log: (m) => log(`${name}: ${m}`) });
      rows.push(...r.rows);
      details[name] = r.details;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      errors[name] = msg;
      log(`${name} FAILED: ${msg === WRK_HELP ? msg : (err as Error).stack ?? msg}`);
    }
    log(`${name} took ${round((performance.now() - t) / 1000)} s`);
  }
  const durationS = round((performance.now() - t0) / 1000);

  // A partial run replaces only its scenarios' rows in results.json.
  const prev = names.length ? await previous(RESULTS) : undefined;
  const keep = (prev?.rows ?? []).filter((r) => !chosen.includes(r.scenario));
  const result: Results = {
    date: new Date().toISOString(),
    machine: machine(),
    scenarios: [...new Set([...(prev?.scenarios ?? []), ...chosen])],
    durationS,
    quick,
    rows: [...keep, ...rows].sort((a, b) =>
      Object.keys(SCENARIOS).indexOf(a.scenario) - Object.keys(SCENARIOS).indexOf(b.scenario)
    ),
    details: { ...(prev?.details ?? {}), ...details },
    errors: {
      ...Object.fromEntries(
        Object.entries(prev?.errors ?? {}).filter(([k]) => !chosen.includes(k)),
      ),
      ...errors,
    },
  };
  await Deno.writeTextFile(RESULTS, JSON.stringify(result, null, 2) + "\n");

  console.log(table(rows));
  const missed = rows.filter((r) => r.pass === false);
  console.log(
    `\n${rows.length} figures in ${durationS} s; targets met ${rows.filter((r) => r.pass).length}/${
      rows.filter((r) => r.pass !== undefined).length
    }${quick ? " (quick run)" : ""}`,
  );
  for (const r of missed) {
    console.log(`  missed: ${r.scenario} — ${r.case}: ${r.ratioText ?? r.ratio?.toFixed(2)}`);
  }
  for (const [name, msg] of Object.entries(errors)) console.log(`  failed: ${name}: ${msg}`);
  console.log(`results: ${RESULTS.pathname}`);
  if (Object.keys(errors).length) Deno.exit(1);
}
