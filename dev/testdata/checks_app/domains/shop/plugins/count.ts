import type { UntypedEventBus } from "@tools/event_bus/mod.ts";

/** Answers a declared request and an undeclared one (refused at boot in test mode). */
export default class Count {
  constructor(private event_bus: UntypedEventBus) {}
  onBoot() {
    this.event_bus.respond("shop.count", () => 1);
    this.event_bus.respond("shop.total", () => 2); // not declared: the bus refuses it
  }
}
