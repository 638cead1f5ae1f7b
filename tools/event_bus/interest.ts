/**
 * What a broker must route to this instance: the patterns of each group with live
 * subscriptions here, the names a live responder here answers, and whether any ungrouped
 * subscription lives here. Told to drivers that route
 * at a broker ({@link BusDriver.interest}) once per tick after changes, and on demand.
 * @module
 */
import type { BusDriver, Interest } from "./driver.ts";
import type { BusState } from "./shared.ts";

/** The bus's driver (which may be replaced in setup) and its state. */
export interface InterestBus {
  /** The driver told about the interest. */
  readonly driver: BusDriver;
  /** Nothing is told once the bus is closed. */
  readonly state: BusState;
}

/** The bus's live registrations. */
export interface Registrations {
  /** Live subscriptions (only grouped ones matter). */
  subscriptions(): readonly { readonly group: string | undefined; readonly pattern: string }[];
  /** Live responders. */
  responders(): readonly { readonly name: string }[];
}

/** Keeps a routing driver told of this instance's {@link Interest}. */
export class BrokerInterest {
  readonly #bus: InterestBus;
  readonly #from: Registrations;
  #queued = false;

  /** Interest of `bus`, read from `from`. */
  constructor(bus: InterestBus, from: Registrations) {
    this.#bus = bus;
    this.#from = from;
  }

  /** Registrations changed: tell the driver once, at the end of this tick. */
  changed(): void {
    if (!this.#bus.driver.interest || this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => this.push());
  }

  /** Tell the driver now (unless the bus is closed). */
  push(): void {
    this.#queued = false;
    const { driver, state } = this.#bus;
    if (!driver.interest || state === "closed") return;
    const from = this.#from;
    const groups = new Map<string, string[]>();
    let solo = false;
    for (const s of from.subscriptions()) {
      if (s.group === undefined) {
        solo = true;
        continue;
      }
      const g = groups.get(s.group);
      if (!g) groups.set(s.group, [s.pattern]);
      else if (!g.includes(s.pattern)) g.push(s.pattern);
    }
    const responders = from.responders().map((r) => r.name);
    driver.interest({ groups, responders, solo } satisfies Interest);
  }

  /**
   * Settles once the driver reflects the current registrations (at once for a driver that does
   * not route at a broker; a networked one creates its consumers asynchronously).
   */
  settled(): Promise<void> {
    const driver = this.#bus.driver;
    if (!driver.interest) return Promise.resolve();
    this.push();
    return driver.settled?.() ?? Promise.resolve();
  }
}
