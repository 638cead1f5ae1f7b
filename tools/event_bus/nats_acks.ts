/**
 * Acknowledging JetStream messages across a lost connection. An acknowledgement is a plain
 * publish: made while the connection is down it would be dropped (the client discards what it
 * buffered when it reconnects), and one made just before the connection dropped may have died
 * with it. Either way the server would redeliver the message after `ack_wait`, maybe to another
 * instance. So acknowledgements made while down wait for the connection, and those of the last
 * second or two before it dropped are sent again once it is back (acknowledging twice is
 * harmless). Acknowledgements of one turn of the event loop are written together (one socket
 * write instead of one each: a third of the CPU of a group delivery went to writes).
 * @module
 */
import type { JsMsg } from "@nats-io/jetstream";

/** Acknowledges messages, holding and repeating them around a lost connection. */
export class Acks {
  #up = true;
  /** Made while the connection was down, or maybe lost with it: sent once it is back. */
  #late: [JsMsg, boolean][] = [];
  /** Positive acknowledgements sent in the current and the previous `RESEND_MS` window. */
  #current: JsMsg[] = [];
  #previous: JsMsg[] = [];
  #windowStart = Date.now();
  readonly #windowMs: number;
  /** Acknowledgements of this turn of the event loop, written together. */
  #batch: [JsMsg, boolean][] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /**
   * `windowMs`: how far back acknowledgements are sent again after a drop (between this and
   * twice this; default 1000).
   */
  constructor(windowMs = 1000) {
    this.#windowMs = windowMs;
  }

  /**
   * Acknowledge `m` (`ok`), or ask for it again in a second (`!ok`). Sent with the others of
   * this turn of the event loop: one write to the socket for many acknowledgements.
   */
  send(m: JsMsg, ok: boolean): void {
    if (!this.#up) {
      this.#late.push([m, ok]);
      return;
    }
    if (this.#closed) return this.#now(m, ok); // no timer left behind a closed consumer
    this.#batch.push([m, ok]);
    this.#timer ??= setTimeout(this.#flush, 0);
  }

  /** Send what waits for this turn's write now, and stop batching (at close). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#flush();
  }

  #flush = (): void => {
    this.#timer = undefined;
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    if (!this.#up) {
      for (const b of batch) this.#late.push(b);
      return;
    }
    const now = Date.now();
    if (now - this.#windowStart >= this.#windowMs) {
      this.#previous = now - this.#windowStart >= 2 * this.#windowMs ? [] : this.#current;
      this.#current = [];
      this.#windowStart = now;
    }
    for (const [m, ok] of batch) {
      this.#now(m, ok);
      if (ok) this.#current.push(m);
    }
  };

  /** The connection went down (recent acknowledgements may be lost) or came back (send them). */
  connected(up: boolean): void {
    if (up === this.#up) return;
    this.#up = up;
    if (!up) {
      for (const m of this.#previous) this.#late.push([m, true]);
      for (const m of this.#current) this.#late.push([m, true]);
      for (const b of this.#batch) this.#late.push(b);
      this.#previous = [];
      this.#current = [];
      this.#batch = [];
      return;
    }
    for (const [m, ok] of this.#late.splice(0)) this.send(m, ok);
  }

  /** Held acknowledgements (for tests and the status). */
  get held(): number {
    return this.#late.length + (this.#up ? 0 : this.#batch.length);
  }

  #now(m: JsMsg, ok: boolean): void {
    try {
      if (ok) m.ack();
      else m.nak(1000);
    } catch { /* connection closed: the server redelivers after ack_wait */ }
  }
}
