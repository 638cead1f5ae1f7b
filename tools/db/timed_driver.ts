/**
 * A driver whose statements are timed into the `telemetry` tool's metrics (when it is present
 * and its metrics are on) and traced as OpenTelemetry spans (when a tracer provider is): each `query`, `queryOne`, `execute`, `executeMany` and `exec`, on the
 * driver and on the sessions it reserves for transactions. Tools import no other tool, so the
 * shape it records into is declared here, checked structurally.
 * @module
 */
import type { Driver, Session, TxSession } from "./driver.ts";
import type { DbError } from "./errors.ts";
import type { ExecResult, Params, Row, SchemaTable } from "./types.ts";

/** A histogram of statement durations, in seconds. */
export interface DurationSink {
  observe(seconds: number): void;
}

/** The telemetry tool's metrics, as far as the db tool records into them. */
export interface StatementMetrics {
  /** The histogram of statements with this SQL text on `system` (`sqlite`, `postgresql`). */
  statement(system: string, sql: string): DurationSink;
}

/** A span one statement runs in. */
export interface StatementSpan {
  end(error?: unknown): void;
}

/** The telemetry tool's OpenTelemetry spans, as far as the db tool uses them. */
export interface StatementTracing {
  /** A client span for one statement (its SQL text, without values). */
  statement(system: string, sql: string): StatementSpan;
}

/** The telemetry tool, as far as the db tool uses it. */
export interface TelemetryTool {
  /** `undefined` when metrics are off. */
  readonly metrics?: StatementMetrics;
  /** `undefined` when no tracer provider is registered. */
  readonly tracing?: StatementTracing;
}

/** OpenTelemetry's `db.system.name` of a driver kind. */
function systemName(kind: string): string {
  return kind === "postgres" ? "postgresql" : kind;
}

class Timer {
  constructor(
    readonly metrics: StatementMetrics | undefined,
    readonly tracing: StatementTracing | undefined,
    readonly system: string,
  ) {}

  time<T>(sql: string, run: () => T | Promise<T>): T | Promise<T> {
    const t0 = performance.now();
    const h = this.metrics?.statement(this.system, sql);
    const span = this.tracing?.statement(this.system, sql);
    const done = (error?: unknown) => {
      h?.observe((performance.now() - t0) / 1000);
      span?.end(error);
    };
    let r: T | Promise<T>;
    try {
      r = run();
    } catch (e) {
      done(e);
      throw e;
    }
    if (!(r instanceof Promise)) {
      done();
      return r;
    }
    return r.then((v) => (done(), v), (e) => {
      done(e);
      throw e;
    });
  }
}

class TimedSession<S extends Session> implements Session {
  constructor(readonly inner: S, readonly timer: Timer) {}
  query(sql: string, params?: Params): Row[] | Promise<Row[]> {
    return this.timer.time(sql, () => this.inner.query(sql, params));
  }
  queryOne(sql: string, params?: Params): Row | null | Promise<Row | null> {
    return this.timer.time(sql, () => this.inner.queryOne(sql, params));
  }
  execute(sql: string, params?: Params): ExecResult | Promise<ExecResult> {
    return this.timer.time(sql, () => this.inner.execute(sql, params));
  }
  executeMany(sql: string, rows: readonly Params[]): ExecResult | Promise<ExecResult> {
    return this.timer.time(sql, () => this.inner.executeMany(sql, rows));
  }
  exec(script: string): void | Promise<void> {
    return this.timer.time(script, () => this.inner.exec(script));
  }
}

class TimedTx extends TimedSession<TxSession> implements TxSession {
  release(): void | Promise<void> {
    return this.inner.release();
  }
}

class TimedDriver extends TimedSession<Driver> implements Driver {
  get kind(): string {
    return this.inner.kind;
  }
  get location(): string {
    return this.inner.location;
  }
  get exclusive(): boolean {
    return this.inner.exclusive;
  }
  get beginSql(): string {
    return this.inner.beginSql;
  }
  reserve(): TxSession | Promise<TxSession> {
    const s = this.inner.reserve();
    return s instanceof Promise
      ? s.then((t) => new TimedTx(t, this.timer))
      : new TimedTx(s, this.timer);
  }
  describeSchema(): SchemaTable[] | Promise<SchemaTable[]> {
    return this.inner.describeSchema();
  }
  close(): void | Promise<void> {
    return this.inner.close();
  }
}

/**
 * `driver` with its statements timed into `telemetry`'s metrics and spans, or `driver` itself
 * when there are neither (no telemetry tool, metrics off and no tracer provider).
 */
export function timedDriver(driver: Driver, telemetry: TelemetryTool | undefined): Driver {
  const metrics = telemetry?.metrics;
  const tracing = telemetry?.tracing;
  if (!metrics && !tracing) return driver;
  const d = new TimedDriver(driver, new Timer(metrics, tracing, systemName(driver.kind)));
  const lock = driver.lock?.bind(driver);
  const stats = driver.stats?.bind(driver);
  if (lock) Object.defineProperty(d, "lock", { value: lock });
  if (stats) Object.defineProperty(d, "stats", { value: stats });
  // The tool checks `"onConnectionLost" in driver` to find a networked driver.
  if ("onConnectionLost" in driver) {
    Object.defineProperty(d, "onConnectionLost", {
      get: () => driver.onConnectionLost,
      set: (f: ((e: DbError) => void) | undefined) => (driver.onConnectionLost = f),
    });
  }
  return d;
}
