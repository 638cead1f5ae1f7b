/**
 * End-to-end harness: runs the app exactly as the README says (`deno task dev` / `start`) in a
 * throwaway copy of the project, reads its log, and talks HTTP to it.
 * @module
 */
import { projectRoot as REPO } from "@core";
import { appDatabase } from "./engine.ts";
import { type Proc, spawnProc } from "./proc.ts";
import { denoBinary } from "../dev/supervisor.ts";

/** Top-level entries not copied: history, local data and build output. */
const SKIPPED = new Set([".git", "data", "dist", ".microcore", "node_modules"]);

async function copy(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) return await Deno.copyFile(from, to);
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) await copy(`${from}/${e.name}`, `${to}/${e.name}`);
}

/** A copy of the project in a temp folder (without data/), to edit freely while it runs. */
export async function copyProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "microcore-e2e-" });
  for await (const e of Deno.readDir(REPO)) {
    if (!SKIPPED.has(e.name)) await copy(`${REPO}/${e.name}`, `${dir}/${e.name}`);
  }
  return dir;
}

/** A running app. */
export interface App extends Proc {
  /** `http://127.0.0.1:<port>` */
  url: string;
  get(path: string): Promise<Response>;
  send(method: string, path: string, body?: unknown): Promise<Response>;
}

const LISTENING = /listening on http:\/\/[^\s:]+:(\d+)/;

/** Per project copy: the settings its permission sets were last made with, and that run. */
const generated = new Map<string, { env: string; done: Promise<void> }>();

/**
 * Runs `deno task permissions` in `cwd` with `env`, as a deployment does before `deno task
 * start`, so the app runs under the set made for exactly these settings. Runs in one folder are
 * queued; instances started at once with the same settings share one run.
 */
export function generatePermissions(cwd: string, env: Record<string, string>): Promise<void> {
  const key = JSON.stringify(Object.entries(env).sort());
  const last = generated.get(cwd);
  if (last?.env === key) return last.done;
  const done = (last?.done.catch(() => {}) ?? Promise.resolve()).then(async () => {
    // By name when this process may run only `deno` (the bench permission set).
    const out = await new Deno.Command(denoBinary(), {
      args: ["task", "-q", "permissions"],
      cwd,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr);
      throw new Error(`deno task permissions failed in ${cwd}:\n${err}`);
    }
  });
  generated.set(cwd, { env: key, done });
  return done;
}

/**
 * Starts `deno task <task>` in `cwd` with a random port, and waits until it listens. Its database
 * is SQLite in `cwd`, or a PostgreSQL schema of its own (see engine.ts), dropped by `stop`.
 * `start` runs under the permission set `deno task permissions` makes for these settings.
 */
export async function startApp(
  task: "dev" | "start",
  cwd: string,
  env: Record<string, string> = {},
): Promise<App> {
  const db = appDatabase(cwd);
  const settings = { PORT: "0", HOST: "127.0.0.1", ...db.env, ...env };
  if (task === "start") await generatePermissions(cwd, settings);
  const started = spawnProc(Deno.execPath(), ["task", task], { cwd, env: settings });
  const proc: Proc = {
    ...started,
    async stop(graceMs) {
      const code = await started.stop(graceMs);
      await db.drop();
      return code;
    },
  };
  let url: string;
  try {
    url = `http://127.0.0.1:${LISTENING.exec(await proc.waitForLine(LISTENING, 20_000))![1]}`;
    await proc.waitForLine(/booted \d+ tools and \d+ plugins/, 20_000);
    // In dev, edits count only once the watcher is up.
    if (task === "dev") await proc.waitForLine(/hot reload: watching/, 20_000);
  } catch (e) {
    await proc.stop(0).catch(() => {}); // the boot's error matters, not the cleanup's
    throw e;
  }
  return {
    ...proc,
    url,
    get: (path) => fetch(url + path),
    send: (method, path, body) =>
      fetch(url + path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
  };
}

/** Polls `fn` until it returns true (or throws after `timeoutMs`). Returns the ms it took. */
export async function until(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await fn().catch(() => false)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The JSON body of a response (consumed). */
export async function json(res: Response): Promise<Record<string, unknown>> {
  return await res.json();
}

/** Write `files` (project-relative path → text) under `root`, making their folders. */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await Deno.mkdir(`${root}/${rel.slice(0, rel.lastIndexOf("/"))}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${rel}`, text);
  }
}
