/**
 * The `start`, `migrate` and `dev` permission sets, made from what the app declares and the
 * settings' values: pure, so every rule is testable without a project.
 * @module
 */
import type { PermissionNeeds, Tool } from "@core";

/** A `deno.json` permission set as this generator writes it. */
export interface PermissionSet {
  read?: string[];
  write?: string[];
  net?: string[];
  env?: string[] | true;
  sys?: string[];
  run?: string[];
}

/** The three generated sets, by their `deno.json` name. */
export interface GeneratedSets {
  start: PermissionSet;
  migrate: PermissionSet;
  dev: PermissionSet;
}

/** What the sets are made from. */
export interface SetInputs {
  /** Every tool of the project (constructed, not set up). */
  tools: readonly Tool[];
  /** The tools `deno task migrate` boots (cli/migrate.ts). */
  migrateTools: readonly string[];
  /** Keys the plugins read through the config tool. */
  configKeys: readonly string[];
  /** Keys the process itself reads (main.ts `PROCESS_ENV`). */
  processEnv: readonly string[];
  /** A setting's value now (the environment over `.env`); empty counts as unset. */
  value(key: string): string | undefined;
}

/**
 * The OpenTelemetry exporter endpoints (Deno's built-in `OTEL_DENO=true`, or an exporter a tool
 * adds): each one set gets `net` for its `host:port`.
 */
export const OTLP_ENDPOINTS: readonly string[] = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
  "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
];

/** Where `deno task dev` may listen and connect besides the settings' hosts: this machine. */
export const DEV_LOOPBACK: readonly string[] = [
  "0.0.0.0",
  "127.0.0.1",
  "localhost",
  "[::]",
  "[::1]",
];

/** Files and folders dev writes besides the app's data: generated files and its own cache. */
export const DEV_WRITES: readonly string[] = [
  "./.microcore",
  "./AI_CONTEXT.md",
  "./microcore.gen.ts",
  "./events.gen.ts",
];

const DEFAULT_PORT: Record<string, number> = { "http:": 80, "https:": 443 };

/** `host:port` of each OTLP endpoint that is set. */
export function otlpHosts(value: (key: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const key of OTLP_ENDPOINTS) {
    const v = value(key);
    if (!v) continue;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new Error(`${key}=${JSON.stringify(v)} is not a URL: use e.g. http://collector:4318`);
    }
    out.push(`${u.hostname}:${u.port || DEFAULT_PORT[u.protocol] || 4318}`);
  }
  return out;
}

/** Sorted, unique, without entries a broader one covers (`./data` under `.`, `h:1` under `h`). */
function tidy(xs: Iterable<string>, kind: "path" | "net" | "name"): string[] {
  const all = [...new Set(xs)];
  const covered = (x: string) =>
    all.some((y) => {
      if (y === x) return false;
      if (kind === "net") return /:\d+$/.test(x) && x.slice(0, x.lastIndexOf(":")) === y;
      if (kind === "path") {
        return y === "." ? !x.startsWith("/") : x.startsWith(`${y.replace(/\/+$/, "")}/`);
      }
      return false;
    });
  return all.filter((x) => !covered(x)).sort();
}

function withKinds(set: Record<string, string[] | true | undefined>): PermissionSet {
  const out: Record<string, string[] | true> = {};
  for (const [k, v] of Object.entries(set)) {
    if (v === true || (v && v.length)) out[k] = v;
  }
  return out as PermissionSet;
}

function needsOf(tools: readonly Tool[], value: (key: string) => string | undefined) {
  const all: Required<PermissionNeeds> = { net: [], read: [], write: [], env: [], sys: [] };
  for (const tool of tools) {
    all.env.push(...Object.keys(tool.env ?? {}));
    const declared = new Set(Object.keys(tool.env ?? {}));
    const needs = tool.permissions?.({
      env: (key) => {
        if (!declared.has(key)) {
          throw new Error(`tool "${tool.name}" reads ${key} without declaring it in its \`env\``);
        }
        return value(key);
      },
      dataDir: ".",
    }) ?? {};
    for (const k of ["net", "read", "write", "env", "sys"] as const) all[k].push(...needs[k] ?? []);
  }
  return all;
}

/**
 * The sets:
 * - `start`: read the project (`.`), the tools' reads and writes (the SQLite folder), `net` for
 *   the listener and every server the settings name (database, NATS, Redis, OTLP), `env` for the
 *   declared keys only, `sys` only what a tool asks for; no `run`, no `ffi`.
 * - `migrate`: the same for the tools `deno task migrate` boots (no listener).
 * - `dev`: like `start`, plus this machine on any port (dev listens and restarts freely), the
 *   generated files, every variable (a new plugin's setting works without regenerating) and
 *   `run: ["deno"]` (the supervisor's child, `deno doc` for AI_CONTEXT.md).
 */
export function permissionSets(i: SetInputs): GeneratedSets {
  const value = (key: string) => i.value(key) || undefined;
  const all = needsOf(i.tools, value);
  const otlp = otlpHosts(value);
  const start = withKinds({
    read: tidy([".", ...all.read], "path"),
    write: tidy(all.write, "path"),
    net: tidy([...all.net, ...otlp], "net"),
    env: tidy([...all.env, ...i.configKeys, ...i.processEnv], "name"),
    sys: tidy(all.sys, "name"),
  });
  const m = needsOf(i.tools.filter((t) => i.migrateTools.includes(t.name)), value);
  const migrate = withKinds({
    read: tidy([".", ...m.read], "path"),
    write: tidy(m.write, "path"),
    net: tidy([...m.net, ...otlp], "net"),
    env: tidy(m.env, "name"),
    sys: tidy(m.sys, "name"),
  });
  const dev = withKinds({
    read: tidy([".", ...all.read], "path"),
    write: tidy([...all.write, ...DEV_WRITES], "path"),
    net: tidy([...DEV_LOOPBACK, ...all.net, ...otlp], "net"),
    env: true,
    sys: tidy(all.sys, "name"),
    run: ["deno"],
  });
  return { start, migrate, dev };
}
