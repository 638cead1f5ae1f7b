/**
 * The db tool's health on a networked engine: degraded when a statement fails because the
 * server is unreachable, ready again once a probe (`SELECT 1`) answers.
 * @module
 */
import { type ToolContext, withTimeout } from "@core";

/** Options of {@link ConnectionHealth}. */
export interface ConnectionHealthOptions {
  /** Where the tool's reports go (`ctx.health`). */
  report: ToolContext["health"];
  /** A statement that succeeds only when the server answers. */
  probe: () => Promise<unknown>;
  /** What is unreachable, e.g. `PostgreSQL at postgres://db:5432/app`. */
  what: string;
  /** Time between probes while degraded (default 500 ms); also the bound on one probe. */
  intervalMs?: number;
}

/** Follows one driver's connection and reports its changes, once each. */
export class ConnectionHealth {
  readonly #o: ConnectionHealthOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #degraded = false;
  #closed = false;

  /** Reports through `options.report`; nothing until {@link ConnectionHealth.lost}. */
  constructor(options: ConnectionHealthOptions) {
    this.#o = options;
  }

  /** Whether the last report was "degraded". */
  get degraded(): boolean {
    return this.#degraded;
  }

  /** A statement failed for the connection: report degraded (once) and probe until it answers. */
  lost(err: Error): void {
    if (this.#degraded || this.#closed) return;
    this.#degraded = true;
    this.#o.report("degraded", `${this.#o.what} unreachable: ${err.message}`);
    this.#schedule();
  }

  /** Stop probing (the tool shuts down). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    const timer = setTimeout(async () => {
      try {
        // Bounded: a probe that lands on a connection that never answers must not stop probing.
        await withTimeout(this.#o.probe(), Math.max(this.#o.intervalMs ?? 500, 1000), "no answer");
      } catch {
        if (!this.#closed) this.#schedule();
        return;
      }
      if (this.#closed) return;
      this.#degraded = false;
      this.#o.report("ready");
    }, this.#o.intervalMs ?? 500);
    Deno.unrefTimer(timer); // a probe never keeps the process alive
    this.#timer = timer;
  }
}
