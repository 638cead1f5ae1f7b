import assert from "node:assert/strict";
import plugin from "./microcore.ts";

const lint = (file: string, source: string) =>
  Deno.lint.runPlugin(plugin, file, source).map((d) => `${d.id}: ${d.message}`);

Deno.test("lint: a plugin importing another domain's file is reported; its own domain and packages are not", () => {
  const file = "/app/domains/orders/plugins/place_order.ts";
  assert.deepEqual(
    lint(
      file,
      `import { Product } from "../../products/models/product.ts";
export { x } from "../../products/events.ts";
const m = await import("../../inventory/plugins/stock_query.ts");
import { Order } from "../models/order.ts";
import { z } from "zod";
import type { Db } from "@tools/db/mod.ts";`,
    ),
    [
      "microcore/no-cross-domain-import: domains/orders imports a file of domains/products: other domains are reached only through event_bus (publish/subscribe, request/respond; contracts in domains/products/events.ts)",
      "microcore/no-cross-domain-import: domains/orders imports a file of domains/products: other domains are reached only through event_bus (publish/subscribe, request/respond; contracts in domains/products/events.ts)",
      "microcore/no-cross-domain-import: domains/orders imports a file of domains/inventory: other domains are reached only through event_bus (publish/subscribe, request/respond; contracts in domains/inventory/events.ts)",
    ],
  );
  // Outside domains/ (tools, tests of the framework) the rule does not apply.
  assert.deepEqual(lint("/app/tools/x/mod.ts", `import "../../domains/a/events.ts";`), []);
});

Deno.test("lint: a misspelt lifecycle hook in a plugin says which one was meant", () => {
  const source = `export default class P {
  constructor() {}
  toString() { return ""; }
  on_boot() {}
  onboot() {}
  OnBoot() {}
  on_shutdown() {}
  onBoot() {}
  shutdown() {}
  onBootstrap() {}
}`;
  assert.deepEqual(lint("/app/domains/a/plugins/p.ts", source), [
    'microcore/lifecycle-hook-name: "on_boot" is never called: did you mean onBoot?',
    'microcore/lifecycle-hook-name: "onboot" is never called: did you mean onBoot?',
    'microcore/lifecycle-hook-name: "OnBoot" is never called: did you mean onBoot?',
    'microcore/lifecycle-hook-name: "on_shutdown" is never called: did you mean shutdown?',
  ]);
  assert.deepEqual(lint("/app/domains/a/models/p.ts", source), [], "only plugin files");
});
