/**
 * The scheduler through the test kit: schedules on the manual clock (intervals, cron with a time
 * zone, overlap, retries, reload, unload) and background jobs (enqueue, schema, retries, dead,
 * delay, dedupe, transactions), each in a real kernel on an in-memory SQLite.
 * @module
 */
import assert from "node:assert/strict";
import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { JobRun, ScheduledRun, Scheduler } from "@tools/scheduler/mod.ts";
import { ManualClock, SchedulerError, SchedulerTool } from "@tools/scheduler/mod.ts";
import { z } from "zod";
import { bootPlugin } from "./mod.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const MIN = 60_000;
const iso = (t: number) => new Date(t).toISOString();

/** A plugin whose onBoot is given by the test. */
function pluginWith(boot: (s: Scheduler, db: Db) => void) {
  return class JobsPlugin extends BasePlugin {
    constructor(private scheduler: Scheduler, private db: Db) {
      super();
    }
    override onBoot() {
      boot(this.scheduler, this.db);
    }
  };
}

Deno.test("every: advancing 5 minutes runs a one-minute job 5 times, on the minute", async () => {
  const slots: string[] = [];
  await using t = await bootPlugin(
    pluginWith((s) => s.every("tick", MIN, (r) => void slots.push(iso(r.slot)))),
    { id: "shop/ticker", now: "2026-01-01T00:00:30Z", domains: [] },
  );
  await t.jobs.runDue();
  assert.deepEqual(slots, []); // nothing is due at boot
  await t.clock.advance(5 * MIN);
  assert.deepEqual(slots, [
    "2026-01-01T00:01:00.000Z",
    "2026-01-01T00:02:00.000Z",
    "2026-01-01T00:03:00.000Z",
    "2026-01-01T00:04:00.000Z",
    "2026-01-01T00:05:00.000Z",
  ]);
  const view = t.kernel.tools.get("scheduler")!.describeOwner!("shop/ticker") as {
    schedules: Record<string, unknown>[];
    jobs: unknown[];
  };
  assert.deepEqual(view, {
    schedules: [{
      name: "tick",
      schedule: "every 60000 ms",
      nextRun: "2026-01-01T00:06:00.000Z",
      lastRun: "2026-01-01T00:05:00.000Z",
      lastError: undefined,
      running: false,
      runs: 5,
      failures: 0,
      skipped: 0,
      ranElsewhere: 0,
    }],
    jobs: [],
  });
});

Deno.test("cron: read in its time zone, across a DST change", async () => {
  const slots: string[] = [];
  await using t = await bootPlugin(
    pluginWith((s) =>
      s.cron("nightly", "0 3 * * *", (r) => void slots.push(iso(r.slot)), {
        timezone: "Europe/Paris",
      })
    ),
    { id: "shop/nightly", now: "2026-03-28T00:00:00Z", domains: [] },
  );
  await t.clock.advance(2 * 24 * 60 * MIN);
  // 03:00 in Paris: UTC+1 on the 28th, UTC+2 from the 29th (summer time).
  assert.deepEqual(slots, ["2026-03-28T02:00:00.000Z", "2026-03-29T01:00:00.000Z"]);
});

Deno.test("cron and every refuse a bad expression, zone, interval or a name used twice", async () => {
  const errors: string[] = [];
  const attempt = (f: () => void) => {
    try {
      f();
      errors.push("no error");
    } catch (e) {
      assert.ok(e instanceof SchedulerError);
      errors.push(`${e.kind}: ${e.message}`);
    }
  };
  await using _t = await bootPlugin(
    pluginWith((s) => {
      attempt(() => s.cron("a", "61 * * * *", () => {}));
      attempt(() => s.cron("b", "0 3 * * *", () => {}, { timezone: "Mars/Olympus" }));
      attempt(() => s.every("c", 10, () => {}));
      s.every("d", MIN, () => {});
      attempt(() => s.every("d", MIN, () => {}));
      attempt(() => s.every("e", MIN, () => {}, { overlap: "wait" as "skip" }));
    }),
    { id: "shop/bad", now: T0, domains: [] },
  );
  assert.equal(errors.length, 5);
  assert.match(
    errors[0],
    /^invalid: scheduler\.cron\("a", "61 \* \* \* \*"\): .*minute.*Give 5 fields/,
  );
  assert.match(errors[1], /^invalid: .*timezone "Mars\/Olympus".*IANA time zone/);
  assert.equal(errors[2], 'invalid: scheduler.every("c", 10): give a whole number of ms ≥ 1000');
  assert.equal(
    errors[3],
    'conflict: shop/bad already has a schedule named "d": give each one its own name',
  );
  assert.equal(errors[4], 'invalid: schedule "e": overlap must be "skip" or "queue", not "wait"');
});

/** A gate a handler waits on until the test opens it. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => open = r);
  return { p, open };
}

for (const overlap of ["skip", "queue"] as const) {
  Deno.test(`overlap "${overlap}": a slot due while the run goes on is ${overlap === "skip" ? "skipped" : "run right after"}`, async () => {
    const g = gate();
    const runs: string[] = [];
    await using t = await bootPlugin(
      pluginWith((s) =>
        s.every("slow", MIN, async (r) => {
          runs.push(`start ${iso(r.slot)}`);
          if (runs.length === 1) await g.p;
          runs.push(`end ${iso(r.slot)}`);
        }, { overlap })
      ),
      { id: "shop/slow", now: T0, domains: [] },
    );
    const tool = t.kernel.tools.get("scheduler") as SchedulerTool;
    const first = tool.advance(MIN); // the first run starts and waits
    await new Promise((r) => setTimeout(r, 0));
    (tool.clock as ManualClock).advance(MIN);
    tool.runDue(); // the second slot is due while the first run goes on
    assert.deepEqual(runs, ["start 2026-01-01T00:01:00.000Z"]);
    g.open();
    await first;
    await t.jobs.runDue();
    if (overlap === "skip") {
      assert.deepEqual(runs, ["start 2026-01-01T00:01:00.000Z", "end 2026-01-01T00:01:00.000Z"]);
    } else {
      assert.deepEqual(runs, [
        "start 2026-01-01T00:01:00.000Z",
        "end 2026-01-01T00:01:00.000Z",
        "start 2026-01-01T00:02:00.000Z",
        "end 2026-01-01T00:02:00.000Z",
      ]);
    }
    const [view] = (tool.describeOwner("shop/slow") as { schedules: { skipped: number }[] })
      .schedules;
    assert.equal(view.skipped, overlap === "skip" ? 1 : 0);
  });
}

// The file:line of a plugin file is tested with the example, domains/inventory/plugins/low_stock.ts.
Deno.test("a failing run is logged with the plugin and retried with backoff", async () => {
  const attempts: string[] = [];
  await using t = await bootPlugin(
    pluginWith((s) =>
      s.every("flaky", MIN, (r: ScheduledRun) => {
        attempts.push(`${iso(r.slot)} #${r.attempt}`);
        if (r.attempt < 3) throw new Error(`boom ${r.attempt}`);
      }, { retries: 2, backoffMs: 1000 })
    ),
    { id: "shop/flaky", now: T0, domains: [] },
  );
  await t.clock.advance(MIN);
  assert.deepEqual(attempts, ["2026-01-01T00:01:00.000Z #1"]);
  await t.clock.advance(999);
  assert.equal(attempts.length, 1); // the first retry waits 1 s
  await t.clock.advance(1);
  await t.clock.advance(2000); // the second waits 2 s
  assert.deepEqual(attempts, [
    "2026-01-01T00:01:00.000Z #1",
    "2026-01-01T00:01:00.000Z #2",
    "2026-01-01T00:01:00.000Z #3",
  ]);
  const errors = t.logs.all.filter((r) => r.level === "error").map((r) => r.message);
  assert.deepEqual(errors, [
    "scheduled job flaky failed in shop/flaky (JobsPlugin): boom 1",
    "scheduled job flaky failed in shop/flaky (JobsPlugin): boom 2",
  ]);
  await t.clock.advance(MIN); // the next slot starts again at attempt 1, retried within the minute
  assert.deepEqual(attempts.slice(3), [
    "2026-01-01T00:02:00.000Z #1",
    "2026-01-01T00:02:00.000Z #2",
    "2026-01-01T00:02:00.000Z #3",
  ]);
});

Deno.test("reload: the new version takes the next slot, no double run and no missed run", async () => {
  const runs: string[] = [];
  const version = (v: string) =>
    pluginWith((s) => s.every("tick", MIN, (r) => void runs.push(`${v} ${iso(r.slot)}`)));
  await using t = await bootPlugin(version("v1"), { id: "shop/ticker", now: T0, domains: [] });
  await t.clock.advance(MIN + 30_000);
  const reload = await t.kernel.loadPlugin({
    id: "shop/ticker",
    domain: "shop",
    file: "JobsPlugin",
    load: () => Promise.resolve({ default: version("v2") }),
  });
  assert.equal(reload.ok, true);
  await t.clock.advance(2 * MIN);
  assert.deepEqual(runs, [
    "v1 2026-01-01T00:01:00.000Z",
    "v2 2026-01-01T00:02:00.000Z",
    "v2 2026-01-01T00:03:00.000Z",
  ]);
  await t.unload();
  await t.clock.advance(5 * MIN);
  assert.equal(runs.length, 3); // unloaded: stopped
  await t.assertReleased();
});

const Mail = z.object({ to: z.string().check(z.email()), subject: z.string() });

Deno.test("jobs: enqueue checks the payload, runs once, keeps the id; delay and dedupe", async () => {
  const got: JobRun<z.output<typeof Mail>>[] = [];
  let mail!: {
    enqueue(p: z.output<typeof Mail>, o?: { delay?: number; id?: string }): Promise<string>;
  };
  await using t = await bootPlugin(
    pluginWith((s) => {
      mail = s.job("mail.send", { schema: Mail, handler: (j) => void got.push(j) });
    }),
    { id: "shop/mailer", now: T0, domains: [] },
  );
  const id = await mail.enqueue({ to: "a@b.io", subject: "hi" });
  assert.deepEqual(await t.jobs.queued("mail.send"), [
    { id, payload: { to: "a@b.io", subject: "hi" }, attempts: 0, runAt: Date.parse(T0) },
  ]);
  assert.equal(got.length, 0); // nothing runs until the test says
  assert.deepEqual(await t.jobs.runDue(), { scheduled: 0, jobs: 1 });
  assert.deepEqual(got, [{
    id,
    name: "mail.send",
    payload: { to: "a@b.io", subject: "hi" },
    attempt: 1,
    enqueuedAt: Date.parse(T0),
  }]);
  assert.deepEqual(await t.rows("SELECT id FROM _microcore_jobs"), []); // done: deleted

  await mail.enqueue({ to: "a@b.io", subject: "later" }, { delay: 5000, id: "once" });
  assert.equal(await mail.enqueue({ to: "x@y.io", subject: "again" }, { id: "once" }), "once");
  assert.deepEqual(await t.jobs.runDue(), { scheduled: 0, jobs: 0 });
  await t.clock.advance(4999);
  assert.equal(got.length, 1);
  await t.clock.advance(1);
  assert.deepEqual(got.map((j) => [j.id, j.payload.subject]), [[id, "hi"], ["once", "later"]]);

  const bad = await mail.enqueue({ to: "nope", subject: 1 } as never).catch((e) => e);
  assert.ok(bad instanceof SchedulerError);
  assert.equal(bad.kind, "invalid_payload");
  assert.match(
    bad.message,
    /^job "mail\.send": the payload does not match its schema: to: .*; subject: .*/,
  );
  const unknown = await t.tool<Scheduler>("scheduler").enqueue("mail.sned", {}).catch((e) => e);
  assert.equal(unknown.kind, "unknown_job");
  assert.match(unknown.message, /no plugin declares job "mail\.sned".*\(declared: mail\.send\)/);
  assert.deepEqual(await t.rows("SELECT id FROM _microcore_jobs"), []); // refused: nothing kept
});

Deno.test("jobs: a failing job is retried with backoff, then dead, kept with its error", async () => {
  const attempts: number[] = [];
  await using t = await bootPlugin(
    pluginWith((s) =>
      s.job("report", {
        schema: z.object({ n: z.number() }),
        handler: (j) => {
          attempts.push(j.attempt);
          throw new Error(`no ${j.payload.n}`);
        },
        retries: 2,
        backoffMs: 100,
      })
    ),
    { id: "shop/reports", now: T0, domains: [] },
  );
  const id = await t.tool<Scheduler>("scheduler").enqueue("report", { n: 7 });
  await t.jobs.runDue();
  assert.deepEqual(attempts, [1]);
  assert.equal((await t.jobs.queued("report"))[0].runAt, Date.parse(T0) + 100);
  await t.clock.advance(100 + 200);
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.deepEqual(await t.jobs.queued("report"), []);
  assert.deepEqual(await t.jobs.dead("report"), [{
    id,
    name: "report",
    payload: { n: 7 },
    attempts: 3,
    error: "no 7 (JobsPlugin)",
    enqueuedAt: Date.parse(T0),
  }]);
  await t.clock.advance(24 * 60 * MIN);
  assert.deepEqual(attempts, [1, 2, 3]); // dead stays dead
  const [view] = (t.kernel.tools.get("scheduler")!.describeOwner!("shop/reports") as {
    jobs: Record<string, unknown>[];
  }).jobs;
  assert.deepEqual(view, {
    name: "report",
    retries: 2,
    concurrency: 5,
    queued: 0,
    running: 0,
    dead: 1,
    ran: 0,
    failed: 3,
    lastError: "no 7 (JobsPlugin)",
  });
});

Deno.test("jobs: enqueued in a transaction that rolls back, nothing is kept", async () => {
  const ran: number[] = [];
  await using t = await bootPlugin(
    pluginWith((s) => s.job("x", { schema: z.number(), handler: (j) => void ran.push(j.payload) })),
    { id: "shop/tx", now: T0, domains: [] },
  );
  const s = t.tool<Scheduler>("scheduler");
  await t.db.transaction(async () => {
    await s.enqueue("x", 1);
    throw new Error("rollback");
  }).catch(() => {});
  await t.db.transaction(async () => {
    await s.enqueue("x", 2);
  });
  await t.jobs.runDue();
  assert.deepEqual(ran, [2]);
});

Deno.test("real time: a job enqueued in a transaction that rolls back never runs (the worker is outside it)", async () => {
  const ran: number[] = [];
  await using t = await bootPlugin(
    pluginWith((s) => s.job("x", { schema: z.number(), handler: (j) => void ran.push(j.payload) })),
    {
      id: "shop/tx_real",
      domains: [],
      tools: { scheduler: new SchedulerTool({ clock: { now: () => Date.now() } }) },
    },
  );
  const s = t.tool<Scheduler>("scheduler");
  await t.db.transaction(async () => {
    await s.enqueue("x", 1);
    await new Promise((r) => setTimeout(r, 50)); // the worker wakes meanwhile
    throw new Error("rollback");
  }).catch(() => {});
  await s.enqueue("x", 2);
  const t0 = Date.now();
  while (ran.length === 0 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(ran, [2]);
});

Deno.test("jobs: a reload hands the queue to the new version; another plugin may not take the name", async () => {
  const ran: string[] = [];
  const version = (v: string) =>
    pluginWith((s) =>
      s.job("x", { schema: z.number(), handler: (j) => void ran.push(`${v} ${j.payload}`) })
    );
  await using t = await bootPlugin(version("v1"), { id: "shop/jobs", now: T0, domains: [] });
  const s = t.tool<Scheduler>("scheduler");
  await s.enqueue("x", 1);
  await t.jobs.runDue();
  await s.enqueue("x", 2);
  const load = (id: string, cls: ReturnType<typeof version>) =>
    t.kernel.loadPlugin({
      id,
      domain: "shop",
      file: "JobsPlugin",
      load: () => Promise.resolve({ default: cls }),
    });
  assert.equal((await load("shop/jobs", version("v2"))).ok, true);
  await t.jobs.runDue();
  assert.deepEqual(ran, ["v1 1", "v2 2"]);
  const other = await load("shop/other", version("v3"));
  assert.equal(other.ok, false);
  assert.match(
    other.error!.message,
    /job "x" is already declared by shop\/jobs: one plugin handles a job/,
  );
});

Deno.test("an unload drops a schedule's pending retry", async () => {
  let attempts = 0;
  await using t = await bootPlugin(
    pluginWith((s) =>
      s.every("flaky", MIN, () => {
        attempts++;
        throw new Error("boom");
      }, { retries: 3, backoffMs: 1000 })
    ),
    { id: "shop/flaky", now: T0, domains: [] },
  );
  await t.clock.advance(MIN);
  assert.equal(attempts, 1);
  await t.unload();
  await t.clock.advance(10 * MIN);
  assert.equal(attempts, 1);
  await t.assertReleased();
});

Deno.test("shutdown: a job still running when the wait is over goes back to the queue, due at once", async () => {
  const g = gate();
  const t = await bootPlugin(
    pluginWith((s) => s.job("slow", { schema: z.number(), handler: () => g.p })),
    { id: "shop/slow_job", now: T0, domains: [] },
  );
  try {
    const id = await t.tool<Scheduler>("scheduler").enqueue("slow", 1);
    const tool = t.kernel.tools.get("scheduler") as SchedulerTool;
    const running = tool.runDue();
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      await t.rows("SELECT id, state, holder IS NULL AS free FROM _microcore_jobs"),
      [
        { id, state: "running", free: 0 },
      ],
    );
    await tool.quiesce(20);
    assert.deepEqual(
      await t.rows("SELECT id, state, run_at, attempts, holder FROM _microcore_jobs"),
      [{ id, state: "queued", run_at: Date.parse(T0), attempts: 1, holder: null }],
    );
    assert.match(
      t.logs.all.filter((r) => r.level === "warn").map((r) => r.message).join("\n"),
      /1 background job\(s\) still running at shutdown, given back to the queue/,
    );
    g.open();
    await running;
    assert.equal((await t.jobs.queued("slow")).length, 1); // its late end removed nothing
  } finally {
    g.open();
    await t.close();
  }
});

Deno.test("a slot whose claim fails (the database does not answer) is not run, and says why", async () => {
  let runs = 0;
  await using t = await bootPlugin(
    pluginWith((s) => s.every("tick", MIN, () => void runs++)),
    { id: "shop/claims", now: T0, domains: [] },
  );
  await t.db.execute("DROP TABLE _microcore_schedules");
  await t.clock.advance(MIN);
  assert.equal(runs, 0);
  const [view] = (t.kernel.tools.get("scheduler")!.describeOwner!("shop/claims") as {
    schedules: Record<string, unknown>[];
  }).schedules;
  assert.equal(view.failures, 1);
  assert.equal(view.ranElsewhere, 0);
  assert.match(
    String(view.lastError),
    /^slot 2026-01-01T00:01:00\.000Z not run, the database did not answer: .*_microcore_schedules/,
  );
  const warns = t.logs.all.filter((r) => r.level === "warn").map((r) => r.message);
  assert.match(
    warns.join("\n"),
    /scheduled job tick of shop\/claims: slot 2026-01-01T00:01:00\.000Z not run, the database did not answer/,
  );
});

Deno.test("perInstance: runs without claiming the slot row; the default claims it", async () => {
  const ran: string[] = [];
  await using t = await bootPlugin(
    pluginWith((s) => {
      s.every("local", MIN, () => void ran.push("local"), { perInstance: true });
      s.every("shared", MIN, () => void ran.push("shared"));
    }),
    { id: "shop/both", now: T0, domains: [] },
  );
  await t.clock.advance(MIN);
  assert.deepEqual(ran.sort(), ["local", "shared"]);
  assert.deepEqual(await t.rows("SELECT key, slot, busy_until FROM _microcore_schedules"), [
    { key: "shop/both:shared", slot: Date.parse("2026-01-01T00:01:00Z"), busy_until: 0 },
  ]);
});

Deno.test("reload with a changed schedule: its slots start from the new expression", async () => {
  const runs: string[] = [];
  const version = (ms: number) =>
    pluginWith((s) => s.every("tick", ms, (r) => void runs.push(`${ms} ${iso(r.slot)}`)));
  await using t = await bootPlugin(version(MIN), { id: "shop/ticker", now: T0, domains: [] });
  await t.clock.advance(MIN);
  const reload = await t.kernel.loadPlugin({
    id: "shop/ticker",
    domain: "shop",
    file: "JobsPlugin",
    load: () => Promise.resolve({ default: version(5 * MIN) }),
  });
  assert.equal(reload.ok, true);
  await t.clock.advance(5 * MIN);
  assert.deepEqual(runs, [
    "60000 2026-01-01T00:01:00.000Z",
    "300000 2026-01-01T00:05:00.000Z",
  ]);
});
