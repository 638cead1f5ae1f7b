import assert from "node:assert/strict";
import { Kernel, walkProject } from "@core";
import { testTools } from "@microcore/testing/tools.ts";
import { checksReporter, formatFindings, runChecks } from "./checks.ts";

const FIXTURE = new URL("./testdata/checks_app", import.meta.url).pathname;

/** The fixture app booted in test mode with the kit's hermetic tools. */
async function boot(): Promise<Kernel> {
  const { domains, plugins } = await walkProject(FIXTURE);
  const kernel = new Kernel({
    root: FIXTURE,
    mode: "test",
    tools: testTools(),
    source: { tools: [], domains, plugins },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await kernel.boot();
  return kernel;
}

async function findings(): Promise<string[]> {
  const kernel = await boot();
  try {
    return formatFindings(await runChecks(kernel));
  } finally {
    await kernel.shutdown(1000);
  }
}

Deno.test("checks: each rule reports its case in the fixture app, and nothing else", async () => {
  const lines = await findings();
  const expected = [
    /^error plugin-file domains\/shop\/plugins\/README.md: .* is not a plugin .*prefix it with _ if it is a helper$/,
    /^error boot domains\/shop\/plugins\/count.ts: shop\/count responds to "shop.total", which domain shop does not declare/,
    /^error hook-name domains\/shop\/plugins\/hooks.ts: shop\/hooks: "on_boot" is never called: did you mean onBoot\?$/,
    /^error registers-nothing domains\/shop\/plugins\/hooks.ts: shop\/hooks has no onBoot, so it registers nothing$/,
    /^error plugin-file domains\/shop\/plugins\/nested: domains\/shop\/plugins\/nested\/ is not loaded: plugins sit directly in plugins\//,
    /^error unpublished-subscription domains\/shop\/plugins\/place.ts: shop\/place subscribes to "order.placd", which no domain declares or publishes \(did you mean "order.placed"\?\)/,
    /^error undeclared-publish domains\/shop\/plugins\/place.ts: shop\/place publishes "order.shipped", which domains\/shop\/events.ts does not declare/,
    /^error unanswered-request domains\/shop\/plugins\/place.ts: shop\/place requests "stock.level", which no plugin answers/,
    /^warning registers-nothing domains\/shop\/plugins\/quiet.ts: shop\/quiet registered nothing/,
    /^error boot domains\/stock\/plugins\/mixed.ts: the constructor mixes a destructured parameter with others: use one form/,
    /^error route-collision domains\/stock\/plugins\/routes_again.ts: Route GET \/items\/:itemId of .* conflicts with GET \/items\/:id/,
  ];
  assert.equal(lines.length, expected.length, lines.join("\n"));
  for (const [i, re] of expected.entries()) assert.match(lines[i], re);
});

Deno.test("checks: dev logs each finding once, as a warning, when it appears", async () => {
  const warned: string[] = [];
  const kernel = await boot();
  try {
    const report = checksReporter(kernel, { info() {}, warn: (m) => void warned.push(m) });
    await report();
    assert.equal(warned.filter((m) => m.startsWith("check: ")).length, 11);
    assert.ok(warned.includes(
      'check: error hook-name domains/shop/plugins/hooks.ts: shop/hooks: "on_boot" is never called: did you mean onBoot?',
    ));
    await report();
    assert.equal(warned.filter((m) => m.startsWith("check: ")).length, 11, "nothing new: silent");
  } finally {
    await kernel.shutdown(1000);
  }
});
