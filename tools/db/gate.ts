/**
 * A FIFO async mutex.
 * @module
 */

/** One holder at a time; waiters are served in arrival order. */
export class Gate {
  /** Whether someone holds the gate. */
  locked = false;
  #queue: (() => void)[] = [];

  /** Resolves once the caller holds the gate; call {@link Gate.release} exactly once after. */
  acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  /** Hand the gate to the next waiter, or open it. */
  release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.locked = false;
  }
}
