/**
 * The real app (`deno task start`) under a low open-files limit (`prlimit --nofile`), flooded
 * with more idle connections than the limit: it must stay up and answer again once they close.
 * Bare `Deno.serve` exits 1 here ("Too many open files"). Linux with `prlimit` (util-linux) only.
 * @module
 */
import { equal, match, ok } from "node:assert/strict";
import { appDatabase } from "./engine.ts";
import { copyProject, generatePermissions, until } from "./harness.ts";
import { spawnProc } from "./proc.ts";

const NOFILE = 256;
const FLOOD = NOFILE + 100;
const LISTENING = /listening on http:\/\/[^\s:]+:(\d+)/;

function hasPrlimit(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    return new Deno.Command("prlimit", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** `deno task start` in `dir` with at most {@link NOFILE} open files. */
async function startLimited(dir: string, env: Record<string, string> = {}) {
  const db = appDatabase(dir);
  const settings = { PORT: "0", HOST: "127.0.0.1", ...db.env, ...env };
  await generatePermissions(dir, settings);
  const proc = spawnProc("prlimit", [
    `--nofile=${NOFILE}:${NOFILE}`,
    Deno.execPath(),
    "task",
    "start",
  ], {
    cwd: dir,
    env: settings,
  });
  try {
    const port = LISTENING.exec(await proc.waitForLine(LISTENING, 20_000))![1];
    await proc.waitForLine(/booted \d+ tools and \d+ plugins/, 20_000);
    return { proc, port: Number(port), url: `http://127.0.0.1:${port}`, db };
  } catch (e) {
    await proc.stop(0).catch(() => {});
    await db.drop();
    throw e;
  }
}

/** Opens up to `n` idle connections (some may be refused or reset); returns the open ones. */
async function flood(port: number, n: number): Promise<Deno.Conn[]> {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < n; i++) {
    try {
      conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    } catch { /* refused while the listener is being reopened */ }
  }
  return conns;
}

async function health(url: string): Promise<number> {
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  return res.status;
}

Deno.test({
  name:
    "e2e fd limit: more idle connections than `ulimit -n` do not kill the app; it answers again",
  ignore: !hasPrlimit(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await copyProject();
    try {
      await t.step("default listener: reopened after EMFILE", async () => {
        const app = await startLimited(dir);
        try {
          const conns = await flood(app.port, FLOOD);
          await app.proc.waitForLine(/http listener failed: Too many open files/, 5000);
          for (const c of conns) c.close();
          await until("the app answers again", async () => await health(app.url) === 200, 5000);
          await app.proc.waitForLine(/http listener reopened after \d+ ms/, 5000);
          equal(await health(app.url), 200);
        } finally {
          equal(await app.proc.stop(5000), 0, app.proc.lines.join("\n")); // still running
          await app.db.drop();
        }
      });

      await t.step(
        "HTTP_MAX_CONNECTIONS below the limit: 503 beyond it, never EMFILE",
        async () => {
          const app = await startLimited(dir, { HTTP_MAX_CONNECTIONS: "150" });
          try {
            const conns = await flood(app.port, FLOOD);
            // The flood's own shed connections hold the 64 answering slots for up to 1 s (they
            // never read); meanwhile one more is closed without an answer. Then: a clean 503.
            let body = "";
            await until("a 503 beyond the cap", async () => {
              const res = await fetch(`${app.url}/health`, { signal: AbortSignal.timeout(2000) });
              body = await res.text();
              return res.status === 503 && res.headers.get("retry-after") === "1";
            }, 5000);
            match(body, /too many open connections/);
            for (const c of conns) c.close();
            await until("the app answers again", async () => await health(app.url) === 200, 5000);
            const log = app.proc.lines.join("\n");
            ok(!/Too many open files/.test(log), log);
            match(log, /HTTP_MAX_CONNECTIONS=150\): answering 503/);
          } finally {
            equal(await app.proc.stop(5000), 0, app.proc.lines.join("\n"));
            await app.db.drop();
          }
        },
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
