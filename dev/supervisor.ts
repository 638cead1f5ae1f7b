/**
 * The dev supervisor: runs the app as a child process and replaces it when the child asks for a
 * restart (`core/`, `tools/`, `dev/`, `main.ts` or `deno.json` changed, or the reload memory
 * budget is spent).
 *
 * On Linux a restart is a hand-over that drops nothing: the child asks ({@link HANDOVER}, over a
 * loopback control connection) and keeps serving; the supervisor starts its successor, which
 * listens on the same port (`HTTP_REUSE_PORT`, SO_REUSEPORT) and says {@link READY} once it does;
 * only then is the old child stopped (SIGTERM), and it hands its keep-alive clients over before
 * it closes (see the http tool's quiesce). A successor that fails to start is stopped and the old
 * child keeps serving. Elsewhere the child exits with {@link RESTART_CODE} and a new one starts.
 *
 * Signals are passed on, so Ctrl-C still shuts down cleanly; a signal while no child runs (after
 * a crash) exits at once.
 * @module
 */
import { existsSync } from "@core";

/** Exit code by which the app asks its supervisor for a fresh process (no hand-over). */
export const RESTART_CODE = 75;
/** Child → supervisor: start my successor; I keep serving until it listens. */
export const HANDOVER = "handover";
/** Successor → supervisor: I listen; stop the one I replace. */
export const READY = "ready";

/** Whether restarts hand the port over (SO_REUSEPORT balances connections on Linux only). */
export const HANDS_OVER = Deno.build.os === "linux";

/** The environment variable that hands a child the supervisor's secret. */
export const CONTROL_SECRET_ENV = "MICROCORE_CONTROL_SECRET";

/**
 * Tell the supervisor listening on 127.0.0.1:`port` (the child's `--control=<port>`) `message`,
 * proven with the secret it gave the child (`MICROCORE_CONTROL_SECRET`). A loopback connection
 * rather than a signal: sending a signal to another process needs the unrestricted `run`
 * permission, which the dev set does not grant.
 */
export async function tellSupervisor(port: number, message: string): Promise<void> {
  const secret = Deno.env.get(CONTROL_SECRET_ENV) ?? "";
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`${secret} ${message}\n`));
  } finally {
    conn.close();
  }
}

/** Longest control message read, and how long a connection may take to send it. */
const CONTROL_MAX_BYTES = 256;
const CONTROL_READ_MS = 2000;

/**
 * Read one line from each connection and call `on(message)` when it carries `secret`: another
 * local process (or a web page posting to the port) cannot restart or stop the app.
 */
export async function serveControl(
  listener: Deno.Listener,
  secret: string,
  on: (message: string) => void,
) {
  for await (const conn of listener) {
    (async () => {
      const timer = setTimeout(() => conn.close(), CONTROL_READ_MS);
      let text = "";
      try {
        const dec = new TextDecoder();
        for await (const chunk of conn.readable) {
          text += dec.decode(chunk, { stream: true });
          if (text.length > CONTROL_MAX_BYTES || text.includes("\n")) break;
        }
      } finally {
        clearTimeout(timer);
        try {
          conn.close();
        } catch { /* closed */ }
      }
      const line = text.slice(0, text.indexOf("\n"));
      const space = line.indexOf(" ");
      if (space > 0 && sameText(line.slice(0, space), secret)) on(line.slice(space + 1).trim());
    })().catch(() => {});
  }
}

/** Equality in time that depends on the length only. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * This process's own `deno` when the `run` permission covers it, else `deno` from PATH: the dev
 * set grants `run: ["deno"]`, which Deno resolves through PATH (a symlink to the binary, say,
 * is not the binary's own path).
 */
export function denoBinary(): string {
  try {
    const exe = Deno.execPath();
    return Deno.permissions.querySync({ name: "run", command: exe }).state === "granted"
      ? exe
      : "deno";
  } catch {
    return "deno";
  }
}

const WATCHED = ["core", "tools", "domains", "dev", "main.ts", "deno.json"];

/** Resolves on the next change under the app's folders (or never, once `closed`). */
function nextChange(root: string): { changed: Promise<void>; close(): void } {
  const watcher = Deno.watchFs(WATCHED.map((p) => `${root}/${p}`).filter(existsSync));
  const changed = (async () => {
    for await (const _ of watcher) return;
  })();
  return {
    changed,
    close: () => {
      try {
        watcher.close();
      } catch { /* closed */ }
    },
  };
}

/** Runs `deno run -P=dev --no-code-cache <entry> --child` until it exits for good. */
export async function supervise(root: string, entry: string): Promise<never> {
  const control = HANDS_OVER ? Deno.listen({ hostname: "127.0.0.1", port: 0 }) : undefined;
  // Given to the children only: proves a control message comes from one of them.
  const secret = crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", "");
  const spawn = (successor = false) =>
    new Deno.Command(denoBinary(), {
      args: [
        "run",
        "-P=dev",
        "--no-code-cache",
        `--config=${root}/deno.json`,
        entry,
        "--child",
        ...(control ? [`--control=${(control.addr as Deno.NetAddr).port}`] : []),
        ...(successor ? ["--successor"] : []),
      ],
      // The port must be shareable for a successor to listen beside its predecessor.
      env: HANDS_OVER
        ? {
          HTTP_REUSE_PORT: Deno.env.get("HTTP_REUSE_PORT") ?? "true",
          [CONTROL_SECRET_ENV]: secret,
        }
        : {},
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  let current: Deno.ChildProcess | undefined = spawn();
  /** The successor while it boots. */
  let next: Deno.ChildProcess | undefined;
  let stopping = false;
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => stopRequested = resolve);
  const kill = (c: Deno.ChildProcess | undefined, sig: Deno.Signal) => {
    try {
      c?.kill(sig);
    } catch { /* already gone */ }
  };

  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => {
      stopping = true;
      if (!current && !next) return stopRequested();
      kill(current, sig);
      kill(next, sig);
    });
  }
  /** Start a successor beside the serving child; if it fails to start, again on the next save. */
  const startSuccessor = () => {
    if (next || stopping || !current) return;
    const successor = next = spawn(true);
    successor.status.then(async ({ code }) => {
      if (next !== successor) return; // it took over, and this is its eventual exit
      next = undefined;
      if (stopping) return;
      console.error(
        `[supervisor] the new process exited with code ${code} before it listened; the old ` +
          "one keeps serving. Fix the error and save any file to try again",
      );
      const change = nextChange(root);
      await Promise.race([change.changed, stopped]);
      change.close();
      startSuccessor();
    });
  };
  if (control) {
    serveControl(control, secret, (message) => {
      if (message === HANDOVER) return startSuccessor();
      if (message !== READY || !next) return; // the first child listening: nothing to replace
      const old = current;
      current = next;
      next = undefined;
      kill(old, "SIGTERM"); // it drains, handing its clients over, and exits
    });
  }

  while (true) {
    const child: Deno.ChildProcess = current!;
    const { code } = await child.status;
    if (child !== current) continue; // handed over: now wait on its successor
    current = undefined;
    if (stopping) {
      if (next) await next.status;
      Deno.exit(code);
    }
    if (code === RESTART_CODE) {
      current = spawn();
      continue;
    }
    // A clean stop the supervisor did not ask for (a signal sent to the app alone): done too.
    if (code === 0) Deno.exit(0);
    console.error(
      `[supervisor] the app exited with code ${code}; fix the error, then save any file to restart`,
    );
    const change = nextChange(root);
    await Promise.race([change.changed, stopped]);
    change.close();
    if (stopping) Deno.exit(0);
    current = spawn();
  }
}
