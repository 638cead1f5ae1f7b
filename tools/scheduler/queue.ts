/**
 * Background jobs: declarations owned per plugin generation, `enqueue` into the store, and the
 * worker that claims due jobs of the declared names and runs them (at least once; retries with
 * backoff; `dead` when they run out).
 * @module
 */
import { OwnedRegistry, type Owner } from "@core";
import type { z } from "zod";
import { SchedulerError } from "./errors.ts";
import { backoff, type Failure, type SchedulerShared } from "./shared.ts";
import type { Depth, JobRow } from "./store.ts";
import type { DeadJob, EnqueueOptions, JobRun, RunHandler } from "./types.ts";

/** One job declaration of one plugin generation. */
export interface JobEntry {
  readonly owner: Owner;
  readonly name: string;
  readonly schema: z.ZodType;
  readonly handler: RunHandler<JobRun<unknown>>;
  readonly retries: number;
  readonly backoffMs: number;
  readonly concurrency: number;
}

/** Job names: letters, digits and `._:-`, up to 100. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/**
 * Runs cut short (the instance died) a job may have beyond its attempts before it is dead: an
 * interruption is not the job's failure, but a job that kills its process every time must stop.
 */
const INTERRUPTIONS = 3;

/** The background jobs of every plugin. */
export class JobQueue {
  readonly #s: SchedulerShared;
  readonly #registry = new OwnedRegistry<JobEntry>();
  /** Jobs running now, per name (across generations). */
  readonly #running = new Map<string, number>();
  readonly #runningIds = new Map<string, string>(); // job id → claim token
  readonly #inflight = new Set<Promise<void>>();
  readonly #lastError = new Map<string, Failure>();
  #depth = new Map<string, Depth>();
  #pumping: Promise<number> | undefined;
  #again = false;
  /** Ran since boot, and failed attempts, per name. */
  readonly #counts = new Map<string, { ran: number; failed: number; dead: number }>();

  constructor(shared: SchedulerShared) {
    this.#s = shared;
  }

  /** Declare a job for its owner generation; another plugin's name is a conflict. */
  add(entry: JobEntry): void {
    if (!NAME.test(entry.name)) {
      throw new SchedulerError(
        `job name ${
          JSON.stringify(entry.name)
        }: use letters, digits and . _ : - (e.g. "mail.send")`,
        "invalid",
      );
    }
    for (const [owner, e] of this.#registry.entries()) {
      if (e.name !== entry.name) continue;
      if (owner.id !== entry.owner.id) {
        throw new SchedulerError(
          `job "${entry.name}" is already declared by ${owner.id}: one plugin handles a job`,
          "conflict",
        );
      }
      if (owner.generation === entry.owner.generation) {
        throw new SchedulerError(`${owner.id} declares job "${entry.name}" twice`, "conflict");
      }
    }
    this.#registry.add(entry.owner, entry);
  }

  activate(owner: Owner): void {
    this.#registry.activate(owner);
    this.wake();
  }

  release(ownerId: string, generation?: number): void {
    this.#registry.release(ownerId, generation);
  }

  /** The declaration of `name`: the live one, else a staged one (a plugin still booting). */
  #declared(name: string): JobEntry | undefined {
    const live = this.#registry.live().find((e) => e.name === name);
    if (live) return live;
    for (const [, e] of this.#registry.entries()) if (e.name === name) return e;
  }

  /** Add a job; see `Scheduler.enqueue`. */
  async enqueue(name: string, payload: unknown, o: EnqueueOptions = {}): Promise<string> {
    const def = this.#declared(name);
    if (!def) {
      const known = [...new Set(this.#registry.live().map((e) => e.name))].sort();
      throw new SchedulerError(
        `no plugin declares job "${name}": declare it with scheduler.job("${name}", { schema, ` +
          `handler }) in a plugin's onBoot (declared: ${known.join(", ") || "none"})`,
        "unknown_job",
      );
    }
    const checked = def.schema.safeParse(payload);
    if (!checked.success) {
      const issues = checked.error.issues.map((i) =>
        `${i.path.length ? i.path.join(".") : "(payload)"}: ${i.message}`
      );
      throw new SchedulerError(
        `job "${name}": the payload does not match its schema: ${issues.join("; ")}`,
        "invalid_payload",
      );
    }
    const bad = (why: string) => new SchedulerError(`enqueue("${name}"): ${why}`, "invalid");
    const delay = o.delay ?? 0;
    if (!(Number.isFinite(delay) && delay >= 0)) throw bad(`delay must be ms ≥ 0, not ${delay}`);
    const retries = o.retries ?? def.retries;
    if (!(Number.isInteger(retries) && retries >= 0)) {
      throw bad(`retries must be a whole number ≥ 0, not ${retries}`);
    }
    if (o.id !== undefined && (typeof o.id !== "string" || !o.id || o.id.length > 200)) {
      throw bad("id must be a non-empty string of at most 200 characters");
    }
    const store = this.#s.store;
    if (!store) {
      throw new SchedulerError(
        `enqueue("${name}"): background jobs are kept in the database, and the db tool is ` +
          "missing or failed (see /system/status)",
        "no_database",
      );
    }
    const json = JSON.stringify(payload ?? null);
    const id = o.id ?? crypto.randomUUID();
    const now = this.#s.clock.now();
    await store.insert(id, name, json, now + Math.ceil(delay), retries + 1, now);
    if (delay === 0) this.wake();
    return id;
  }

  /** Wake the worker (a job was enqueued or finished); set by the tool in real time. */
  wake: () => void = () => {};

  /**
   * Claim and start due jobs of every live declaration, as far as each one's concurrency
   * allows; resolves with how many started (their runs continue; see {@link idle}).
   */
  pump(): Promise<number> {
    if (this.#pumping) {
      this.#again = true;
      return this.#pumping;
    }
    const p = this.#pumping = this.#pumpLoop().finally(() => this.#pumping = undefined);
    return p;
  }

  async #pumpLoop(): Promise<number> {
    let started = 0;
    do {
      this.#again = false;
      const store = this.#s.store;
      if (!store || this.#s.state !== "open") return started;
      const seen = new Set<string>();
      for (const def of this.#registry.live()) {
        if (seen.has(def.name)) continue;
        seen.add(def.name);
        const free = def.concurrency - (this.#running.get(def.name) ?? 0);
        if (free <= 0) continue;
        const now = this.#s.clock.now();
        const token = this.#s.token();
        const rows = await store.claim(def.name, free, now, now + this.#s.leaseMs, token);
        for (const row of rows) {
          this.#track(this.#run(def, row, token));
          started++;
        }
      }
    } while (this.#again);
    return started;
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    p.finally(() => this.#inflight.delete(p));
  }

  /** Resolves once no job runs. */
  async idle(): Promise<void> {
    while (this.#inflight.size) await Promise.allSettled([...this.#inflight]);
  }

  async #run(def: JobEntry, row: JobRow, token: string): Promise<void> {
    const store = this.#s.store!;
    const gen = this.#s.gens.of(def.owner);
    const count = this.#countOf(def.name);
    this.#running.set(def.name, (this.#running.get(def.name) ?? 0) + 1);
    this.#runningIds.set(row.id, token);
    gen.begin();
    this.#s.gens.all.begin();
    try {
      let retryAt: number | undefined;
      let error: string | undefined;
      if (row.attempts > row.max_attempts + INTERRUPTIONS) {
        // Claimed that often: the runs before were cut short (a crash, kill -9) every time.
        error = `its runs were cut short ${row.attempts - 1} times (the instance stopped ` +
          "while it ran: does the job crash the process?)";
      } else {
        try {
          const payload = def.schema.parse(JSON.parse(row.payload));
          await def.handler({
            id: row.id,
            name: row.name,
            payload,
            attempt: row.attempts,
            enqueuedAt: row.enqueued_at,
          });
          count.ran++;
          await store.done(row.id, token);
          return;
        } catch (err) {
          count.failed++;
          const f = this.#s.failed(def.owner, err, `job ${def.name}`, {
            job: def.name,
            jobId: row.id,
            attempt: row.attempts,
          });
          this.#lastError.set(def.name, f);
          error = f.message;
          if (row.attempts < row.max_attempts) {
            retryAt = this.#s.clock.now() + backoff(def.backoffMs, row.attempts);
          }
        }
      }
      if (retryAt === undefined) {
        count.dead++;
        this.#s.log.error(
          `job ${def.name} ${row.id} is dead after ${row.attempts} attempt(s); kept in ` +
            `the database with its last error (state 'dead')`,
          { plugin: def.owner.id, job: def.name, jobId: row.id },
        );
      }
      await store.failed(row.id, token, error, retryAt);
    } catch (e) {
      // The database failed us: the lease runs out and the job is due again.
      this.#s.log.warn(
        `job ${def.name} ${row.id}: could not record its end: ${(e as Error)?.message}`,
      );
    } finally {
      const running = (this.#running.get(def.name) ?? 1) - 1;
      this.#running.set(def.name, running);
      this.#runningIds.delete(row.id);
      gen.end();
      this.#s.gens.all.end();
      // Claim again once half the slots are free (one claim for several rows, not one each).
      if (running <= def.concurrency / 2) this.wake();
    }
  }

  #countOf(name: string) {
    let c = this.#counts.get(name);
    if (!c) this.#counts.set(name, c = { ran: 0, failed: 0, dead: 0 });
    return c;
  }

  /** Renew the leases of running jobs (called every lease / 3). */
  async renew(): Promise<void> {
    const until = this.#s.clock.now() + this.#s.leaseMs;
    for (const [id, token] of this.#runningIds) {
      await this.#s.store?.renew(id, token, until).catch(() => {});
    }
  }

  /**
   * Give the jobs still running back to the queue, due now (at shutdown, once the wait for them
   * is over): another instance runs them without waiting for their lease. A handler that still
   * ends here then changes nothing (its claim is gone), so the job may run twice.
   */
  async giveBack(): Promise<number> {
    const now = this.#s.clock.now();
    let n = 0;
    for (const [id, token] of [...this.#runningIds]) {
      await this.#s.store?.giveBack(id, token, now).then(() => n++).catch(() => {});
    }
    return n;
  }

  /** Read the queue depth per name again (the status shows the last reading). */
  async refreshDepth(): Promise<void> {
    if (this.#s.store) this.#depth = await this.#s.store.depth();
  }

  /** Dead jobs of `name`. */
  async dead(name: string, limit = 50): Promise<DeadJob[]> {
    if (!this.#s.store) return [];
    const rows = await this.#s.store.dead(name, Math.max(1, Math.min(1000, Math.floor(limit))));
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      payload: JSON.parse(r.payload),
      attempts: Number(r.attempts),
      error: r.last_error ?? "",
      enqueuedAt: Number(r.enqueued_at),
    }));
  }

  /** The jobs one plugin declared, for its status entry. */
  describeOwner(ownerId: string): Record<string, unknown>[] {
    return this.#registry.itemsOf(ownerId).map((e) => {
      const d = this.#depth.get(e.name);
      const c = this.#counts.get(e.name);
      return {
        name: e.name,
        retries: e.retries,
        concurrency: e.concurrency,
        queued: d?.queued ?? 0,
        running: this.#running.get(e.name) ?? 0,
        dead: d?.dead ?? 0,
        ran: c?.ran ?? 0,
        failed: c?.failed ?? 0,
        lastError: this.#lastError.get(e.name)?.message,
      };
    });
  }

  /** Depth of every name, as last read. */
  depth(): Record<string, Depth> {
    return Object.fromEntries(this.#depth);
  }

  /** Names declared now. */
  names(): string[] {
    return [...new Set(this.#registry.live().map((e) => e.name))];
  }
}
