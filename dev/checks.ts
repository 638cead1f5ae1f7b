/**
 * Architecture checks on the booted app: `deno task check` runs them (CI; exit 1 on an error)
 * and `deno task dev` logs them after the boot and after every reload. The rules an editor can
 * show as you type (cross-domain imports, misspelt hooks) are also a `deno lint` plugin
 * (`dev/lint/microcore.ts`).
 *
 * | check | what it reports |
 * | --- | --- |
 * | `boot` | a plugin that failed to boot (an injection error, a throw in `onBoot`) |
 * | `route-collision` | a route another plugin (or the same one) already holds |
 * | `unpublished-subscription` | a subscription no declared or published event matches |
 * | `undeclared-publish` | a `publish("x"` of a name the plugin's domain does not declare |
 * | `unanswered-request` | a `request("x"` nobody responds to |
 * | `undeclared-responder` | a responder of a name its domain's `events.ts` does not declare |
 * | `plugin-file` | a file in `plugins/` that is not a plugin, a `_helper` or a test |
 * | `hook-name` | a method spelt like a hook (`on_boot`): never called |
 * | `registers-nothing` | a plugin with no route, subscription, responder or job (a warning, an error without `onBoot`) |
 * @module
 */
import { isPluginPath, type Kernel } from "@core";
import { callsIn } from "./context/contracts.ts";
import { misspeltHook } from "./lint/microcore.ts";
import { matches } from "./context/render.ts";

/** One finding. */
export interface Finding {
  check: string;
  severity: "error" | "warning";
  /** The plugin id or project-relative file it is about. */
  where: string;
  message: string;
}

interface ContractLike {
  publishes: Record<string, unknown>;
  responds: Record<string, unknown>;
}

/** Every check, on a kernel that booted the app (test or dev mode, so contracts are loaded). */
export async function runChecks(kernel: Kernel): Promise<Finding[]> {
  const out: Finding[] = [];
  const root = kernel.root;
  const entries = kernel.status.snapshot().entries.filter((e) => e.kind === "plugin");
  const bus = kernel.tools.get("event_bus") as { contracts?: () => Map<string, ContractLike> };
  const contracts = bus?.contracts?.() ?? new Map<string, ContractLike>();
  const declared = new Set([...contracts.values()].flatMap((c) => Object.keys(c.publishes)));

  const plugins = await Promise.all(entries.map(async (e) => {
    const text = e.file ? await Deno.readTextFile(`${root}/${e.file}`).catch(() => "") : "";
    const v = e as Record<string, unknown>;
    return {
      id: e.id,
      file: e.file ?? e.id,
      domain: e.id.split("/")[0],
      state: e.state,
      error: e.error?.message,
      text,
      calls: callsIn(text),
      subscribes: strings(v.subscribes).map((s) => s.replace(/\s*\(group [^)]*\)$/, "")),
      responds: strings(v.responds),
      registered: ["routes", "subscribes", "responds", "schedules", "jobs"]
        .some((k) => Array.isArray(v[k]) && (v[k] as unknown[]).length > 0),
    };
  }));
  const published = new Set([...declared, ...plugins.flatMap((p) => p.calls.publishes)]);
  const responders = new Set(plugins.flatMap((p) => p.responds));
  const add = (
    check: string,
    where: string,
    message: string,
    severity: Finding["severity"] = "error",
  ) => out.push({ check, severity, where, message });

  for (const p of plugins) {
    if (p.state === "failed" && p.error) {
      const route = /^Route .*(conflicts with|registered twice)/.test(p.error);
      add(route ? "route-collision" : "boot", p.file, p.error);
    }
    for (const s of p.subscribes) {
      if (s.startsWith("_dlq.") || s === "**" || s === "#") continue;
      if ([...published].some((n) => matches(s, n))) continue;
      const near = closest(s, [...published]);
      add(
        "unpublished-subscription",
        p.file,
        `${p.id} subscribes to "${s}", which no domain declares or publishes${
          near ? ` (did you mean "${near}"?)` : ""
        }: declare it in the publishing domain's events.ts`,
      );
    }
    const own = contracts.get(p.domain);
    for (const name of new Set(p.calls.publishes)) {
      if (own?.publishes[name] !== undefined) continue;
      add(
        "undeclared-publish",
        p.file,
        `${p.id} publishes "${name}", which domains/${p.domain}/events.ts does not declare: add it under publishes`,
      );
    }
    for (const name of p.responds) {
      if (own?.responds[name] !== undefined) continue;
      add(
        "undeclared-responder",
        p.file,
        `${p.id} answers "${name}", which domains/${p.domain}/events.ts does not declare: add it under responds`,
      );
    }
    for (const name of new Set(p.calls.requests)) {
      if (responders.has(name)) continue;
      add(
        "unanswered-request",
        p.file,
        `${p.id} requests "${name}", which no plugin answers (event_bus.respond("${name}", …))`,
      );
    }
    for (
      const m of p.text.matchAll(
        /^\s*(?:(?:public|protected|override|async)\s+)*([A-Za-z_$][\w$]*)\s*\(/gm,
      )
    ) {
      const hook = misspeltHook(m[1]);
      if (hook) {
        add("hook-name", p.file, `${p.id}: "${m[1]}" is never called: did you mean ${hook}?`);
      }
    }
    if (p.state === "ready" && !p.registered) {
      const hasBoot = /\bonBoot\s*\(/.test(p.text);
      add(
        "registers-nothing",
        p.file,
        hasBoot
          ? `${p.id} registered nothing (no route, subscription, responder or job) in onBoot`
          : `${p.id} has no onBoot, so it registers nothing`,
        hasBoot ? "warning" : "error",
      );
    }
  }
  out.push(...await pluginFolderFindings(root));
  return out.sort((a, b) => a.where < b.where ? -1 : a.where > b.where ? 1 : 0);
}

/** Files in `domains/*\/plugins/` that the plugin rule does not load and no other rule explains. */
export async function pluginFolderFindings(root: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const d of await list(`${root}/domains`)) {
    if (!d.isDirectory) continue;
    const dir = `domains/${d.name}/plugins`;
    for (const f of await list(`${root}/${dir}`)) {
      const rel = `${dir}/${f.name}`;
      if (f.name.startsWith(".") || f.name.startsWith("_")) continue; // hidden, private helpers
      if (f.isDirectory) {
        out.push({
          check: "plugin-file",
          severity: "error",
          where: rel,
          message: `${rel}/ is not loaded: plugins sit directly in plugins/; move helpers to ` +
            `plugins/_${f.name}/ or the domain's models/`,
        });
        continue;
      }
      if (isPluginPath(rel) || /[_.]test\.[mc]?[jt]sx?$/.test(f.name)) continue;
      out.push({
        check: "plugin-file",
        severity: "error",
        where: rel,
        message: `${rel} is not a plugin (a plugin is <name>.ts/.js/.mts/.mjs/.tsx/.jsx): ` +
          `rename it, or prefix it with _ if it is a helper`,
      });
    }
  }
  return out;
}

/**
 * For `deno task dev`: a function that runs the checks on the live kernel and logs what changed
 * since the last run (new findings as warnings, "resolved" once they are gone). Never throws.
 */
export function checksReporter(
  kernel: Kernel,
  log: Pick<Kernel["log"], "info" | "warn"> = kernel.log,
): () => Promise<void> {
  let last = new Set<string>();
  let running = Promise.resolve();
  return () =>
    running = running.then(async () => {
      try {
        const now = new Set(formatFindings(await runChecks(kernel)));
        for (const l of now) if (!last.has(l)) log.warn(`check: ${l}`);
        const gone = [...last].filter((l) => !now.has(l)).length;
        if (gone) log.info(`check: ${gone} finding(s) resolved`);
        last = now;
      } catch (err) {
        log.warn(`checks not run: ${err instanceof Error ? err.message : err}`);
      }
    });
}

/** One line per finding: `error route-collision domains/…: message`. */
export function formatFindings(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.check} ${f.where}: ${f.message}`);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

async function list(dir: string): Promise<Deno.DirEntry[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).sort((a, b) => a.name < b.name ? -1 : 1);
  } catch {
    return [];
  }
}

/** The candidate within edit distance 2 of `s`, if any. */
function closest(s: string, candidates: string[]): string | undefined {
  let best: string | undefined, bestD = 3;
  for (const c of candidates) {
    const d = distance(s, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]++;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
