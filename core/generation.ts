/**
 * Work in flight per owner generation: what a tool needs to let an old generation finish its
 * requests, handlers and streams after a reload switched away from it (`Tool.drain`), and
 * to close what it left open once it is released.
 * @module
 */
import { settleWithin } from "./timeout.ts";
import type { Owner } from "./types.ts";

/** In-flight work and open streams of one owner generation. */
export class Generation {
  /** Units of work begun and not yet ended. */
  inflight = 0;
  /** The generation was released: its streams are closed and it takes no new work. */
  released = false;
  /** Closers of long-lived work (SSE streams, sockets), run when the generation is released. */
  readonly closers = new Set<() => void>();
  #waiters: (() => void)[] = [];
  #forget: (g: Generation) => void;

  /** `key` is `<owner id>#<generation>`; `forget` is called once it is released and idle. */
  constructor(readonly key: string, forget: (g: Generation) => void = () => {}) {
    this.#forget = forget;
  }

  /** One more unit of work in flight. */
  begin(): void {
    this.inflight++;
  }

  /** One unit of work finished; wakes {@link Generation.idle} waiters at zero. */
  end(): void {
    if (--this.inflight > 0) return;
    for (const w of this.#waiters.splice(0)) w();
    if (this.released) this.#forget(this);
  }

  /** Resolves when nothing of this generation is in flight. */
  idle(): Promise<void> {
    if (this.inflight <= 0) return Promise.resolve();
    return new Promise((r) => this.#waiters.push(r));
  }

  /** Runs every closer (each removes itself when its stream ends). */
  closeAll(): void {
    for (const close of [...this.closers]) close();
  }

  /** Marks the generation released and closes its streams; forgotten once idle. */
  release(): void {
    this.released = true;
    this.closeAll();
    if (this.inflight <= 0) this.#forget(this);
  }
}

/**
 * The {@link Generation}s of every owner of one tool, plus a process-wide one counting all
 * work, which shutdown waits for. Released generations are forgotten as soon as they are idle.
 */
export class Generations {
  readonly #byKey = new Map<string, Generation>();
  readonly #forget = (g: Generation) => {
    if (this.#byKey.get(g.key) === g) this.#byKey.delete(g.key);
  };
  // Stryker disable next-line StringLiteral: no one looks up the key of `all` (it is no owner's)
  /** Every unit of work of every generation (begin/end it beside the owner's). */
  readonly all: Generation = new Generation("*");

  /** The generation of `owner`, created on first use. */
  of(owner: Owner): Generation {
    const key = `${owner.id}#${owner.generation}`;
    let g = this.#byKey.get(key);
    if (!g) this.#byKey.set(key, g = new Generation(key, this.#forget));
    return g;
  }

  /** Releases one generation of `ownerId`, or all of them (`Tool.release`). */
  release(ownerId: string, generation?: number): void {
    for (const g of [...this.#byKey.values()]) {
      const [id, gen] = splitKey(g.key);
      if (id === ownerId && (generation === undefined || gen === generation)) g.release();
    }
  }

  /** Waits, at most `timeoutMs`, until one generation is idle (`Tool.drain`). */
  async drain(ownerId: string, generation: number, timeoutMs: number): Promise<void> {
    const g = this.#byKey.get(`${ownerId}#${generation}`);
    if (g) await settleWithin(g.idle(), timeoutMs);
  }

  /** Closes every generation's streams (at shutdown). */
  closeAll(): void {
    for (const g of this.#byKey.values()) g.closeAll();
  }
}

function splitKey(key: string): [string, number] {
  const i = key.lastIndexOf("#");
  return [key.slice(0, i), Number(key.slice(i + 1))];
}
