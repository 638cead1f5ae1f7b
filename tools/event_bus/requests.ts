/**
 * Request–response: one live responder per name, requests answered by it (or, with none here,
 * by a responder on another instance through the driver), and requests from other instances
 * answered by the local responder.
 * @module
 */
import { type Generation, OwnedRegistry, type Owner } from "@core";
import { frozenCopy } from "./copy.ts";
import { BusError, errInfo } from "./errors.ts";
import { assertName } from "./pattern.ts";
import type { SpanHandle } from "./telemetry.ts";
import { type BusShared, isThenable, retire } from "./shared.ts";
import type { EventCounters } from "./stats.ts";
import type { Envelope, RequestHandler, RequestOptions } from "./types.ts";

/** One responder, as registered by one owner generation. */
export interface Responder {
  /** Who responds. */
  readonly owner: Owner;
  /** The owner generation's in-flight work (requests being answered). */
  readonly gen: Generation;
  /** The request name it answers. */
  readonly name: string;
  /** The plugin's handler. */
  readonly handler: RequestHandler;
  /** False once removed, replaced or released. */
  active: boolean;
}

const DEFAULT_REQUEST_TIMEOUT = 5000;

/** The responders of one bus, and the requests they answer. */
export class Requests {
  readonly #s: BusShared;
  readonly #changed: () => void;
  readonly #responders = new OwnedRegistry<Responder>();
  #byName = new Map<string, Responder>();
  #byNameVersion = -1;

  /** Requests on `shared`; `changed` is told when a responder comes or goes. */
  constructor(shared: BusShared, changed: () => void) {
    this.#s = shared;
    this.#changed = changed;
  }

  /**
   * Register `owner` as the responder of `name`; returns the function that removes it.
   * @throws {BusError} `responder_conflict` when another owner (or this same generation)
   * already responds to `name`.
   */
  respond(owner: Owner, name: string, handler: RequestHandler): () => void {
    assertName(name);
    if (typeof handler !== "function") {
      throw new TypeError(`respond("${name}"): handler must be a function`);
    }
    if (this.#s.stale(owner, `respond("${name}")`)) return () => {};
    for (const [o, r] of this.#responders.entries()) {
      if (r.name !== name) continue;
      if (o.id !== owner.id) {
        throw new BusError(
          "responder_conflict",
          `"${name}" already has a responder, ${o.id}; ${owner.id} cannot respond to it too`,
        );
      }
      if (o.generation === owner.generation) {
        throw new BusError("responder_conflict", `${owner.id} already responds to "${name}"`);
      }
    }
    const gen = this.#s.generations.of(owner);
    const r: Responder = { owner, gen, name, handler, active: true };
    if (!this.#responders.add(owner, r)) gen.release(); // a retired generation: nothing added
    this.#changed();
    return () => {
      // Stryker disable next-line BooleanLiteral: a responder's `active` is read by nothing once it left the registry (kept for `retire`)
      r.active = false;
      this.#responders.remove(owner, r);
      this.#changed();
    };
  }

  /** Make `owner.generation` live; the responders of its other generations go. */
  activate(owner: Owner): void {
    retire(this.#responders.activate(owner));
  }

  /** Remove the responders of one generation of `ownerId`, or of all of them. */
  release(ownerId: string, generation?: number): void {
    retire(this.#responders.release(ownerId, generation));
  }

  /** Every live responder. */
  live(): readonly Responder[] {
    return this.#responders.live();
  }

  /** The names `ownerId` responds to. */
  namesOf(ownerId: string): string[] {
    return this.#responders.itemsOf(ownerId).map((r) => r.name);
  }

  /**
   * Ask the responder of `name` (counted in `c`); a local one answers without a hop.
   * Rejects with a {@link BusError}: `closed`, `no_responder`, `timeout`, `responder_error`.
   */
  request<R>(
    owner: Owner,
    c: EventCounters,
    name: string,
    payload: unknown,
    options: RequestOptions | undefined,
  ): Promise<R> {
    const s = this.#s;
    if (s.state === "closed") {
      return Promise.reject(new BusError("closed", `request "${name}": the event bus is closed`));
    }
    c.requests++;
    const r = this.#responder(name);
    if (!r) {
      if (s.driver.request) return this.#remote(owner, c, name, payload, options ?? {});
      return Promise.reject(new BusError("no_responder", `no plugin responds to "${name}"`));
    }
    let result: unknown;
    let span: SpanHandle | undefined;
    try {
      const parent = s.causes?.current()?.id;
      const env = s.envelope(name, frozenCopy(payload), owner.id, options?.correlationId, parent);
      span = s.tracing?.request(name, env.id, r.owner.id);
      result = span ? span.run(() => r.handler(env)) : r.handler(env);
    } catch (e) {
      span?.end(e);
      return Promise.reject(this.#responderError(r, name, e, c));
    }
    if (!isThenable(result)) {
      span?.end();
      c.delivered++;
      try {
        return Promise.resolve(frozenCopy(result) as R);
      } catch (e) {
        return Promise.reject(this.#responderError(r, name, e, c));
      }
    }
    const timeout = options?.timeout ?? DEFAULT_REQUEST_TIMEOUT;
    s.begin(r.gen);
    return new Promise<R>((resolve, reject) => {
      let done = false;
      const finish = () => {
        done = true;
        s.deadlines.delete(deadline);
        s.end(r.gen);
      };
      const deadline = s.deadlines.add(timeout, () => {
        if (done) return;
        done = true;
        s.end(r.gen);
        if (s.state === "closed") {
          span?.end(new Error("the event bus shut down"));
          reject(new BusError("closed", `request "${name}": the event bus shut down`));
          return;
        }
        c.timeouts++;
        span?.end(new Error(`no answer within ${timeout} ms`));
        reject(
          new BusError("timeout", `no answer to "${name}" from ${r.owner.id} within ${timeout} ms`),
        );
      });
      result.then((value) => {
        if (done) return;
        finish();
        span?.end();
        try {
          c.delivered++;
          resolve(frozenCopy(value) as R);
        } catch (e) {
          reject(this.#responderError(r, name, e, c));
        }
      }, (e) => {
        if (done) return;
        finish();
        span?.end(e);
        reject(this.#responderError(r, name, e, c));
      });
    });
  }

  /** A request from another instance, answered by the local responder (see `DriverHost`). */
  async answer(env: Envelope): Promise<unknown> {
    const s = this.#s;
    const r = s.state === "closed" ? undefined : this.#responder(env.name);
    if (!r) throw new BusError("no_responder", `no plugin responds to "${env.name}"`);
    const c = s.stats.of(env.name);
    s.begin(r.gen);
    try {
      const value = frozenCopy(await r.handler(env));
      c.delivered++;
      return value;
    } catch (e) {
      throw this.#responderError(r, env.name, e, c);
    } finally {
      s.end(r.gen);
    }
  }

  /** No local responder: ask the other instances through the driver. */
  async #remote<R>(
    owner: Owner,
    c: EventCounters,
    name: string,
    payload: unknown,
    options: RequestOptions,
  ): Promise<R> {
    const s = this.#s;
    const env = s.envelope(name, frozenCopy(payload), owner.id, options.correlationId);
    const timeout = options.timeout ?? DEFAULT_REQUEST_TIMEOUT;
    try {
      const value = await s.driver.request!(env, timeout);
      c.delivered++;
      return value as R;
    } catch (e) {
      if (s.state === "closed") {
        throw new BusError("closed", `request "${name}": the event bus shut down`, { cause: e });
      }
      if (e instanceof BusError && e.code === "timeout") c.timeouts++;
      else if (e instanceof BusError && e.code === "responder_error") c.errors++;
      throw e;
    }
  }

  #responder(name: string): Responder | undefined {
    if (this.#byNameVersion !== this.#responders.version) {
      this.#byName.clear();
      for (const r of this.#responders.live()) this.#byName.set(r.name, r);
      this.#byNameVersion = this.#responders.version;
    }
    return this.#byName.get(name);
  }

  #responderError(r: Responder, name: string, e: unknown, c: EventCounters): BusError {
    c.errors++;
    const { message } = errInfo(e);
    this.#s.log.warn(`responder ${r.owner.id} failed on "${name}": ${message}`, {
      plugin: r.owner.id,
      event: name,
      error: this.#s.stack(e, r.owner.file),
    });
    return new BusError(
      "responder_error",
      `responder ${r.owner.id} of "${name}" failed: ${message}`,
      { cause: e },
    );
  }
}
