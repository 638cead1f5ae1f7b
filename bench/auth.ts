/**
 * Scenario `auth`: what protecting a route costs, and what a password hash costs.
 *
 * - A GET route with `auth: true` (HS256 bearer token verified per request) against the same
 *   route unprotected, both served by one real app (`deno task start` on a temp copy), measured
 *   back to back with `wrk` and alternating the order; the ratio is the median of the per-round
 *   ratios. Target ≥ 0.8×.
 * - `hashPassword` at the tool's production parameters (scrypt N=2^17, r=8, p=1): time per hash
 *   (median of several, one at a time), the RSS growth while hashing and the longest the event
 *   loop was held; and four hashes at once, which is what four logins arriving together cost.
 * @module
 */
import { SignJWT } from "jose";
import { OWASP_SCRYPT, PasswordHasher } from "@tools/auth/password.ts";
import { E2E_JWT_SECRET } from "../e2e/proc.ts";
import { SERVER_CPU } from "./proc.ts";
import { projectWith, removeProject, startApp } from "./project.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { median, round } from "./stats.ts";
import { ensureWrk, wrk, type WrkResult } from "./wrk.ts";

const ROUTES = `import { BasePlugin } from "@core";
import type { Http } from "@tools/http/mod.ts";

export default class Guarded extends BasePlugin {
  constructor(private http: Http) {
    super();
  }
  override onBoot() {
    const hello = () => ({ success: true, message: "hi" });
    this.http.addEndpoint("/open", "GET", hello);
    this.http.addEndpoint("/secret", "GET", hello, { auth: true });
  }
}
`;

/** A token the app accepts: HS256 with the secret the bench apps are started with. */
function token(): Promise<string> {
  return new SignJWT({ roles: ["user"] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("42")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(E2E_JWT_SECRET));
}

async function protectedRoute(o: BenchOptions): Promise<{ rows: Row[]; details: unknown }> {
  await ensureWrk();
  const dir = await projectWith(0);
  await Deno.mkdir(`${dir}/domains/bench/plugins`, { recursive: true });
  await Deno.writeTextFile(`${dir}/domains/bench/plugins/guarded.ts`, ROUTES);
  const app = await startApp(dir, "start", { cpu: SERVER_CPU });
  try {
    const bearer = { authorization: `Bearer ${await token()}` };
    const check = await fetch(`${app.url}/secret`, { headers: bearer });
    await check.body?.cancel();
    if (check.status !== 200) throw new Error(`GET /secret with the token: ${check.status}`);
    const rounds = o.quick ? 1 : 4;
    const runs: { open: WrkResult[]; secret: WrkResult[] } = { open: [], secret: [] };
    const one = async (which: "open" | "secret", warm: boolean) => {
      const opts = { connections: 32, headers: bearer };
      if (warm) await wrk(`${app.url}/${which}`, { ...opts, durationS: 1 });
      const r = await wrk(`${app.url}/${which}`, { ...opts, durationS: o.quick ? 2 : 4 });
      if (r.non2xx || r.socketErrors) {
        throw new Error(`/${which}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors`);
      }
      runs[which].push(r);
      o.log(`${which}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`);
    };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? ["secret", "open"] as const : ["open", "secret"] as const;
      for (const which of order) await one(which, r === 0);
    }
    const rps = (xs: WrkResult[]) => median(xs.map((x) => x.rps));
    const ratio = median(runs.secret.map((s, i) => s.rps / runs.open[i].rps));
    const requests = [...runs.open, ...runs.secret].reduce((n, x) => n + x.requests, 0);
    const samples = `median of ${rounds}; ${requests.toLocaleString("en-US")} req`;
    return {
      rows: [
        {
          scenario: "auth",
          case: "GET with auth: true (HS256 bearer) vs the same route unprotected: req/s",
          value: rps(runs.secret),
          unit: "req/s",
          baseline: { name: "unprotected route", value: rps(runs.open) },
          ratio,
          target: "≥ 0.80×",
          pass: ratio >= 0.8,
          samples,
          note: "one token reused, as a client does: verified once, then answered from the " +
            "tool's verified-token cache; a new token each request costs about 3× in-process",
        },
        {
          scenario: "auth",
          case: "GET with auth: true: p99 latency (32 conns)",
          value: median(runs.secret.map((x) => x.p99)),
          unit: "ms",
          baseline: { name: "unprotected route", value: median(runs.open.map((x) => x.p99)) },
          ratio: median(runs.secret.map((x) => x.p99)) / median(runs.open.map((x) => x.p99)),
          samples,
        },
      ],
      details: runs,
    };
  } finally {
    await app.stop();
    await removeProject(dir);
  }
}

/**
 * Runs `work` while sampling the process every 5 ms: the largest RSS growth over the RSS before
 * (MiB), and the longest gap between two samples (ms), i.e. how long the event loop was held.
 */
async function watched<T>(work: () => Promise<T>) {
  const before = Deno.memoryUsage().rss;
  let peak = before;
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 5);
  try {
    const value = await work();
    return { value, growthMb: (peak - before) / 2 ** 20, maxGapMs: maxGap };
  } finally {
    clearInterval(timer);
  }
}

async function passwordHash(o: BenchOptions): Promise<{ rows: Row[]; details: unknown }> {
  const hasher = new PasswordHasher(OWASP_SCRYPT);
  const n = o.quick ? 3 : 7;
  const times: number[] = [];
  const one = await watched(async () => {
    let stored = "";
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      stored = await hasher.hash(`correct horse battery staple ${i}`);
      times.push(performance.now() - t);
    }
    return stored;
  });
  const t4 = performance.now();
  const four = await watched(() =>
    Promise.all([0, 1, 2, 3].map((i) => hasher.hash(`parallel ${i}`)))
  );
  const fourMs = performance.now() - t4;
  const tv = performance.now();
  await hasher.verify(`correct horse battery staple ${n - 1}`, one.value);
  const verifyMs = performance.now() - tv;
  const { ln, r, p } = OWASP_SCRYPT;
  const paramMb = (128 * 2 ** ln * r) / 2 ** 20;
  o.log(
    `scrypt ln=${ln} r=${r} p=${p}: ${round(median(times))} ms a hash, 4 at once ${
      round(fourMs)
    } ms, RSS +${round(one.growthMb)} MiB (one at a time), +${round(four.growthMb)} MiB (four); ` +
      `event loop held at most ${round(one.maxGapMs)} ms`,
  );
  return {
    rows: [
      {
        scenario: "auth",
        case: `hashPassword, scrypt N=2^${ln} r=${r} p=${p} (OWASP): time per hash`,
        value: median(times),
        unit: "ms",
        samples: `median of ${n}; verify ${round(verifyMs)} ms`,
        note: `the event loop kept running (longest gap ${round(one.maxGapMs)} ms)`,
      },
      {
        scenario: "auth",
        case: "hashPassword: 4 hashes at once (4 logins together), wall time",
        value: fourMs,
        unit: "ms",
        samples: "node:crypto scrypt runs on the libuv thread pool, off the event loop",
      },
      {
        scenario: "auth",
        case: "hashPassword: RSS growth, one hash at a time",
        value: one.growthMb,
        unit: "MiB",
        samples: "RSS sampled every 5 ms",
        note: `four at once: +${round(four.growthMb)} MiB; scrypt needs ${paramMb} MiB per hash ` +
          "by its parameters",
      },
    ],
    details: { times, fourMs, verifyMs, one, four: { ...four, value: undefined } },
  };
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const http = await protectedRoute(o);
  const hash = await passwordHash(o);
  return {
    rows: [...http.rows, ...hash.rows],
    details: { http: http.details, hash: hash.details },
  };
}
