/**
 * End-to-end harness: runs the app exactly as the README says (`deno task dev` / `start`) in a
 * throwaway copy of the project, reads its log, and talks HTTP to it.
 * @module
 */
const REPO = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
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
export interface App {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every line printed so far (stdout and stderr). */
  lines: string[];
  get(path: string): Promise<Response>;
  send(method: string, path: string, body?: unknown): Promise<Response>;
  /** Resolves with the first line (from `from` on) matching `re`. */
  waitForLine(re: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Starts `deno task <task>` in `cwd` with a random port, and waits until it listens. */
export async function startApp(
  task: "dev" | "start",
  cwd: string,
  env: Record<string, string> = {},
): Promise<App> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", task],
    cwd,
    env: { PORT: "0", HOST: "127.0.0.1", NO_COLOR: "1", DB_PATH: `${cwd}/data/app.db`, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      lines.push(...parts);
      for (const w of waiters) w();
    }
    if (buf) lines.push(buf);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);

  const waitForLine = (re: RegExp, timeoutMs = 20_000, from = 0) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = lines.slice(from).find((l) => re.test(l));
        if (hit !== undefined) {
          done();
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${lines.join("\n")}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const listening = await waitForLine(/listening on http:\/\/[^\s:]+:(\d+)/).catch(async (e) => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await child.status;
    await pumps;
    throw e;
  });
  const port = /listening on http:\/\/[^\s:]+:(\d+)/.exec(listening)![1];
  const url = `http://127.0.0.1:${port}`;
  await waitForLine(/booted \d+ tools and \d+ plugins/);
  // In dev, edits count only once the watcher is up.
  if (task === "dev") await waitForLine(/hot reload: watching/);
  return {
    url,
    lines,
    get: (path) => fetch(url + path),
    send: (method, path, body) =>
      fetch(url + path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    waitForLine,
    async stop(signal: Deno.Signal = "SIGTERM") {
      child.kill(signal);
      const { code } = await child.status;
      await pumps;
      return code;
    },
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
