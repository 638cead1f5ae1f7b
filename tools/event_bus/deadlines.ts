/**
 * Many timeouts on one timer: requests and handler timeouts register a deadline here instead of
 * creating (and almost always clearing) a timer each, which dominated the cost of a request.
 * @module
 */

/** A registered deadline; pass it to {@link Deadlines.delete} once the work settled. */
export interface Deadline {
  /** When it is due (`performance.now()` time). */
  readonly at: number;
  /** What runs when it is due. */
  readonly fire: () => void;
}

/** A set of deadlines served by at most one pending `setTimeout`. */
export class Deadlines {
  #items = new Set<Deadline>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;

  /** Call `fire` after `ms` unless {@link Deadlines.delete}d first. */
  add(ms: number, fire: () => void): Deadline {
    const d: Deadline = { at: performance.now() + ms, fire };
    this.#items.add(d);
    if (d.at < this.#timerAt) this.#arm(d.at);
    return d;
  }

  /**
   * Forget a deadline. The timer stays armed (it is reused by the next deadline and stops by
   * itself when it finds nothing due); {@link Deadlines.clear} cancels it.
   */
  delete(d: Deadline): void {
    this.#items.delete(d);
  }

  /** Deadlines not yet fired or deleted. */
  get size(): number {
    return this.#items.size;
  }

  /** Drop every deadline without firing and cancel the timer. */
  clear(): void {
    this.#items.clear();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** Fire every pending deadline now (e.g. to fail waiting requests at shutdown), then clear. */
  fireAll(): void {
    const all = [...this.#items];
    this.clear();
    for (const d of all) d.fire();
  }

  #arm(at: number) {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#sweep, Math.max(0, at - performance.now()));
  }

  #sweep = () => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now() + 1; // setTimeout may fire a little early in ms rounding
    let next = Infinity;
    const due: Deadline[] = [];
    for (const d of this.#items) {
      if (d.at <= now) {
        this.#items.delete(d);
        due.push(d);
      } else if (d.at < next) next = d.at;
    }
    // A late sweep (a busy process) finds several due: fire them in time order.
    if (due.length > 1) due.sort((a, b) => a.at - b.at);
    for (const d of due) d.fire();
    if (next < this.#timerAt) this.#arm(next);
  };
}
