/**
 * Mutation testing with StrykerJS (its `command` test runner, mutant switching), run by Deno.
 *
 *   deno task mutate                          # core, tools/http, tools/event_bus, tools/db, testing
 *   deno task mutate core tools/http          # some folders
 *   deno task mutate core/owned.ts:30-60      # a file or a line range (tests: its folder's)
 *   deno task mutate --slice 0/4 tools/http   # a sample: the mutants whose id ≡ 0 (mod 4)
 *   deno task mutate --incremental core       # reuse the results of unchanged code
 *   deno task mutate --retest-survivors core  # incremental, but test the survivors again
 *   deno task mutate --count                  # list the mutants, test none
 *
 * Each folder is one Stryker run whose test command is that folder's tests,
 * `deno test -P=test --parallel --fail-fast <folder>/` (`--tests "<paths>"` to change it).
 * Reports go to mutate/reports/<folder>/ (mutation.html, mutation.json, summary.md with the
 * surviving mutants); each run appends a row to mutate/reports/scores.md.
 *
 * Stryker comes from npm as `npm:@stryker-mutator/core@10.1.1` (Deno's npm cache, integrity in
 * mutate/stryker.lock; no package.json or node_modules in the repo), or from mutate/npm/node_modules
 * when someone ran `npm ci` there. Either way Deno runs it: Stryker 10 wants Node ≥ 22 and Deno
 * reports a recent Node version.
 * @module
 */

const STRYKER_NPM = "npm:@stryker-mutator/core@10.1.1/stryker";
const MUTATE_DIR = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const ROOT = MUTATE_DIR.replace(/\/mutate$/, "");
const STRYKER_LOCAL = `${MUTATE_DIR}/npm/node_modules/@stryker-mutator/core/bin/stryker.js`;
const REPORTS = `${MUTATE_DIR}/reports`;
/**
 * What Stryker may do: read the repo, write its sandbox and reports under mutate/, read the
 * environment, run the test command (`sh -c "deno test …"`) and its worker processes, talk to
 * them over local sockets, ask the OS for its CPU count.
 */
const STRYKER_PERMISSIONS = [
  "--allow-read",
  `--allow-write=${MUTATE_DIR}`,
  "--allow-env",
  "--allow-run",
  "--allow-sys",
  "--allow-net=127.0.0.1,localhost,[::1],0.0.0.0,[::]",
];

/** The folders issue #14 targets; each is mutated against its own tests. */
export const DEFAULT_TARGETS = ["core", "tools/http", "tools/event_bus", "tools/db", "testing"];
/** Not production code: tests, their helpers and fixtures, benchmarks. */
const NOT_MUTATED = ["**/*_test.ts", "**/test_helpers.ts", "**/testdata/**", "**/bench_*.ts"];

export interface Options {
  targets: string[];
  slice?: { k: number; n: number };
  incremental: boolean;
  retestSurvivors: boolean;
  count: boolean;
  concurrency: number;
  tests?: string;
}

const USAGE =
  "usage: deno task mutate [--slice k/n] [--incremental | --retest-survivors] [--count]\n" +
  '                        [--concurrency n] [--tests "<deno test paths>"] [paths…]\n' +
  "  paths: folders, files or file:from-to line ranges (default: core, tools/http,\n" +
  "  tools/event_bus, tools/db, testing); see mutate/README.md";

/** Print what is wrong and the usage, exit 2; without `msg` (`--help`), the usage and exit 0. */
function usage(msg?: string): never {
  if (msg === undefined) {
    console.log(USAGE);
    Deno.exit(0);
  }
  console.error(`mutate: ${msg}\n${USAGE}`);
  Deno.exit(2);
}

export function parseArgs(args: string[]): Options {
  const o: Options = {
    targets: [],
    incremental: false,
    retestSurvivors: false,
    count: false,
    concurrency: 1,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => args[++i] ?? usage(`${a} needs a value`);
    if (a === "--help" || a === "-h") usage();
    if (a === "--slice") {
      const m = /^(\d+)\/(\d+)$/.exec(value());
      if (!m || +m[2] < 1 || +m[1] >= +m[2]) usage("--slice k/n, with 0 ≤ k < n");
      o.slice = { k: +m[1], n: +m[2] };
    } else if (a === "--incremental") o.incremental = true;
    else if (a === "--retest-survivors") o.retestSurvivors = o.incremental = true;
    else if (a === "--count") o.count = true;
    else if (a === "--concurrency") o.concurrency = Math.max(1, Number(value()) || 1);
    else if (a === "--tests") o.tests = value();
    else if (a.startsWith("-")) usage(`unknown option ${a}`);
    else o.targets.push(a.replace(/\/$/, ""));
  }
  if (o.targets.length === 0) o.targets = DEFAULT_TARGETS;
  return o;
}

/** One Stryker run: files of one folder, tested by that folder's tests. */
export interface Group {
  folder: string;
  mutate: string[];
}

function stat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(`${ROOT}/${path}`);
  } catch {
    return undefined;
  }
}

export function groups(targets: string[]): Group[] {
  const byFolder = new Map<string, Group>();
  for (const t of targets) {
    const file = t.replace(/:[\d:-]+$/, ""); // core/x.ts:10-40 → core/x.ts
    const info = stat(file) ?? usage(`no such file or folder: ${file}`);
    const folder = info.isDirectory ? file : file.slice(0, Math.max(0, file.lastIndexOf("/")));
    if (!folder) usage(`${t}: mutate files inside a folder with tests`);
    const g = byFolder.get(folder) ?? { folder, mutate: [] };
    byFolder.set(folder, g);
    if (info.isDirectory) {
      g.mutate.push(
        `${file}/**/*.ts`,
        ...NOT_MUTATED.map((p) => `!${file}/${p}`),
      );
    } else g.mutate.push(t);
  }
  return [...byFolder.values()];
}

type Status =
  | "Killed"
  | "Survived"
  | "Timeout"
  | "NoCoverage"
  | "Ignored"
  | "RuntimeError"
  | "CompileError"
  | "Pending";
interface Pos {
  line: number;
  column: number;
}
interface Mutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  location: { start: Pos; end: Pos };
  status: Status;
  statusReason?: string;
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
  [k: string]: unknown;
}

/** Stryker's score: detected (killed, timeout) over valid (detected, survived, no coverage). */
export function tally(mutants: Mutant[]) {
  const c = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 };
  for (const m of mutants) {
    if (m.status in c) c[m.status as keyof typeof c]++;
    else c.other++;
  }
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  return { ...c, valid, score: valid ? (100 * detected) / valid : NaN, ...wilson(detected, valid) };
}

/** 95 % Wilson interval of a proportion, in percent (for sampled runs). */
function wilson(x: number, n: number) {
  if (n === 0) return { lo: NaN, hi: NaN };
  const z = 1.96, p = x / n, d = 1 + z * z / n;
  const mid = (p + z * z / (2 * n)) / d;
  const half = (z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / d;
  return { lo: 100 * (mid - half), hi: 100 * (mid + half) };
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, " ");
  return one.length > 70 ? `${one.slice(0, 69)}…` : one;
}

function original(source: string, m: Mutant): string {
  const lines = source.split("\n");
  const { start, end } = m.location;
  return start.line === end.line
    ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
    : `${lines[start.line - 1].slice(start.column - 1)} …`;
}

function survivors(report: Report): string[] {
  const out: string[] = [];
  for (const [file, f] of Object.entries(report.files)) {
    const ms = f.mutants.filter((m) => m.status === "Survived" || m.status === "NoCoverage")
      .sort((a, b) =>
        a.location.start.line - b.location.start.line ||
        a.location.start.column - b.location.start.column
      );
    for (const m of ms) {
      const { line, column } = m.location.start;
      out.push(
        `- ${file}:${line}:${column} ${m.mutatorName}: \`${clip(original(f.source, m))}\` → ` +
          `\`${clip(m.replacement ?? "")}\``,
      );
    }
  }
  return out;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

async function lines(path: string): Promise<string[]> {
  return (await Deno.readTextFile(path).catch(() => "")).split("\n").filter(Boolean);
}

/** Puts an edited report into Stryker's HTML file (it embeds the JSON after `app.report = `). */
async function patchHtml(path: string, report: Report) {
  const html = await Deno.readTextFile(path).catch(() => undefined);
  const start = html?.indexOf("app.report = ") ?? -1;
  const end = html?.indexOf(";\n", start) ?? -1;
  if (!html || start < 0 || end < 0) return;
  const json = JSON.stringify(report).replace(/</g, '<"+"');
  await Deno.writeTextFile(path, html.slice(0, start + 13) + json + html.slice(end));
}

async function strykerArgs(configFile: string): Promise<string[]> {
  const local = await Deno.stat(STRYKER_LOCAL).then(() => true, () => false);
  return local ? ["run", ...STRYKER_PERMISSIONS, "--no-lock", STRYKER_LOCAL, "run", configFile] : [
    "run",
    ...STRYKER_PERMISSIONS,
    `--lock=${MUTATE_DIR}/stryker.lock`,
    STRYKER_NPM,
    "run",
    configFile,
  ];
}

async function run(g: Group, o: Options): Promise<boolean> {
  // One report folder per target: the folder's, or one per set of files (`core-kernel.ts`).
  const files = g.mutate.every((m) => m.startsWith("!") || m.endsWith("/**/*.ts"))
    ? []
    : g.mutate.map((m) => m.slice(g.folder.length + 1).replace(/[:/]/g, "_"));
  const slug = [g.folder.replaceAll("/", "-"), ...files].join("-");
  const dir = `${REPORTS}/${slug}`;
  const rel = `mutate/reports/${slug}`;
  await Deno.mkdir(dir, { recursive: true });
  const skipLog = `${dir}/skipped.txt`, ranLog = `${dir}/ran.txt`;
  for (const f of [skipLog, ranLog]) await Deno.remove(f).catch(() => {});
  const incrementalFile = `${dir}/incremental.json`;

  // Stryker runs this command once per mutant with __STRYKER_ACTIVE_MUTANT__ set (and once
  // without, the dry run). The gate in front logs each id it runs; a mutant outside the slice
  // (every mutant, with --count) is logged as skipped and "passes" at once: Stryker reports it
  // Survived and this script relabels it Ignored afterwards.
  const tests = o.tests ?? `${g.folder}/`;
  const testCmd = `deno test -P=test --no-check --parallel --fail-fast ${tests}`;
  const id = "$__STRYKER_ACTIVE_MUTANT__";
  const skipIf = o.count
    ? "true"
    : o.slice
    ? `[ $((${id.slice(1)} % ${o.slice.n})) -ne ${o.slice.k} ]`
    : "";
  const command = `if [ -n "${id}" ]; then ` +
    (skipIf ? `if ${skipIf}; then echo "${id}" >> '${skipLog}'; exit 0; fi; ` : "") +
    `echo "${id}" >> '${ranLog}'; fi; ${testCmd}`;

  if (o.retestSurvivors) {
    // With the command runner Stryker knows no tests, so incremental mode reuses every result
    // of unchanged code, survivors included: drop them so that new tests get their chance.
    const inc = await readJson<Report>(incrementalFile);
    let n = 0;
    for (const f of Object.values(inc?.files ?? {})) {
      const keep = f.mutants.filter((m) => m.status !== "Survived");
      n += f.mutants.length - keep.length;
      f.mutants = keep;
    }
    if (inc) await Deno.writeTextFile(incrementalFile, JSON.stringify(inc));
    console.log(`mutate: ${g.folder}: ${n} survivor(s) from the last run will be tested again`);
  }

  const base = JSON.parse(await Deno.readTextFile(`${MUTATE_DIR}/stryker.config.json`));
  delete base.$schema;
  const config = {
    ...base,
    mutate: g.mutate,
    // `// @ts-nocheck` atop the folder's files: instrumented code does not type-check, and some
    // tests spawn deno processes that type-check (cli, e2e). Files elsewhere stay byte-identical.
    disableTypeChecks: `${g.folder}/**/*.ts`,
    commandRunner: { command },
    concurrency: o.concurrency,
    tempDirName: `mutate/.tmp/${slug}-${Deno.pid}`, // one per run: runs may overlap
    incremental: o.incremental,
    incrementalFile: `${rel}/incremental.json`,
    jsonReporter: { fileName: `${rel}/mutation.json` },
    htmlReporter: { fileName: `${rel}/mutation.html` },
  };
  const configFile = `${dir}/stryker.config.json`;
  await Deno.writeTextFile(configFile, JSON.stringify(config, null, 2) + "\n");

  console.log(`\nmutate: ${g.folder}: ${g.mutate.join(" ")}\nmutate: tests: ${testCmd}`);
  const t0 = performance.now();
  const { code } = await new Deno.Command("deno", {
    args: await strykerArgs(configFile),
    cwd: ROOT,
    stdin: "null",
  }).spawn().status;
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) {
    console.error(`mutate: Stryker failed for ${g.folder} (exit ${code}), see above`);
    return false;
  }

  const report = (await readJson<Report>(`${dir}/mutation.json`))!;
  const skipped = new Set(await lines(skipLog));
  const ran = (await lines(ranLog)).length;
  if (skipped.size) {
    const why = o.count ? "not tested (--count)" : `not in slice ${o.slice!.k}/${o.slice!.n}`;
    for (const f of Object.values(report.files)) {
      for (const m of f.mutants) {
        if (skipped.has(m.id)) Object.assign(m, { status: "Ignored", statusReason: why });
      }
    }
    await Deno.writeTextFile(`${dir}/mutation.json`, JSON.stringify(report));
    await patchHtml(`${dir}/mutation.html`, report);
    const inc = o.incremental ? await readJson<Report>(incrementalFile) : undefined;
    if (inc) { // forget them, so that a later run tests them
      for (const f of Object.values(inc.files)) {
        f.mutants = f.mutants.filter((m) => m.status !== "Survived" || !skipped.has(m.id));
      }
      await Deno.writeTextFile(incrementalFile, JSON.stringify(inc));
    }
  }

  const all = Object.values(report.files).flatMap((f) => f.mutants);
  const t = tally(all);
  const date = new Date().toISOString().slice(0, 10);
  const minutes = (seconds / 60).toFixed(1);
  const perRun = ran ? `, ${(seconds / ran).toFixed(2)} s per mutant run` : "";
  const byFile = Object.entries(report.files).map(([file, f]) => {
    const ft = tally(f.mutants);
    const s = Number.isNaN(ft.score) ? "–" : ft.score.toFixed(1);
    return `| ${file} | ${f.mutants.length} | ${ft.Killed} | ${ft.Timeout} | ${ft.Survived} | ${s} |`;
  });

  if (o.count) {
    const byMutator = new Map<string, number>();
    for (const m of all) byMutator.set(m.mutatorName, (byMutator.get(m.mutatorName) ?? 0) + 1);
    const text = [
      `# Mutants: ${g.folder} — ${date}`,
      "",
      `${all.length} mutants in ${Object.keys(report.files).length} files (${g.mutate.join(" ")}).`,
      "",
      "| file | mutants |",
      "| --- | --: |",
      ...Object.entries(report.files).map(([file, f]) => `| ${file} | ${f.mutants.length} |`),
      "",
      "| mutator | mutants |",
      "| --- | --: |",
      ...[...byMutator].sort((a, b) => b[1] - a[1]).map(([m, n]) => `| ${m} | ${n} |`),
      "",
    ].join("\n");
    await Deno.writeTextFile(`${dir}/count.md`, text);
    console.log(`mutate: ${g.folder}: ${all.length} mutants (${dir}/count.md)`);
    return true;
  }

  // Complete when the gate skipped none: every mutant has a result from this run or, with
  // --incremental, a reused one. (Mutants a `// Stryker disable` comment ignores do not count.)
  const complete = skipped.size === 0;
  const scope = complete
    ? `all ${all.length}` + (o.incremental ? ` (incremental: ${ran} run now)` : "")
    : `sample${o.slice ? ` (slice ${o.slice.k}/${o.slice.n})` : ""}: ${t.valid} of ${all.length}`;
  const score = Number.isNaN(t.score) ? "–" : `${t.score.toFixed(1)} %`;
  const ci = !complete && t.valid ? ` (95 % CI ${t.lo.toFixed(0)}–${t.hi.toFixed(0)} %)` : "";
  const summary = [
    `# Mutation score: ${g.folder} — ${date}`,
    "",
    `Mutated: ${g.mutate.join(" ")}. Tests: \`${testCmd}\`.`,
    `Mutants: ${scope}. Score ${score}${ci}: killed ${t.Killed}, timeout ${t.Timeout}, ` +
    `survived ${t.Survived}${t.other ? `, errors ${t.other}` : ""}.`,
    `Time: ${minutes} min, ${ran} mutant runs${perRun}, concurrency ${o.concurrency}.`,
    "",
    "| file | mutants | killed | timeout | survived | score % |",
    "| --- | --: | --: | --: | --: | --: |",
    ...byFile,
    "",
    "## Surviving mutants",
    "",
    ...survivors(report),
    "",
  ].join("\n");
  await Deno.writeTextFile(`${dir}/summary.md`, summary);

  const scores = `${REPORTS}/scores.md`;
  const header = (await Deno.stat(scores).then(() => false, () => true))
    ? "| date | folder | mutants | score | killed | timeout | survived | minutes |\n" +
      "| --- | --- | --- | --- | --: | --: | --: | --: |\n"
    : "";
  await Deno.writeTextFile(
    scores,
    `${header}| ${date} | ${g.folder} | ${scope} | ${score}${ci} | ${t.Killed} | ${t.Timeout} | ` +
      `${t.Survived} | ${minutes} |\n`,
    { append: true },
  );
  console.log(`mutate: ${g.folder}: ${score}${ci}, ${scope}, ${minutes} min → ${dir}/summary.md`);
  return true;
}

if (import.meta.main) {
  const o = parseArgs(Deno.args);
  let ok = true;
  for (const g of groups(o.targets)) ok = (await run(g, o)) && ok;
  Deno.exit(ok ? 0 : 1);
}
