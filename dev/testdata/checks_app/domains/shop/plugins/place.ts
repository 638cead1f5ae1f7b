import type { UntypedEventBus } from "@tools/event_bus/mod.ts";

/** Publishes a declared event and an undeclared one; asks what nobody answers. */
export default class Place {
  constructor(private event_bus: UntypedEventBus) {}
  onBoot() {
    this.event_bus.subscribe("order.placd", () => {}); // misspelt: nobody publishes it
    this.event_bus.subscribe("order.*", () => {}); // matches order.placed: fine
  }
  later() {
    this.event_bus.publish("order.placed", { id: 1 });
    this.event_bus.publish("order.shipped", { id: 1 }); // not declared by shop
    return this.event_bus.request("stock.level", {}); // nobody answers
  }
}
