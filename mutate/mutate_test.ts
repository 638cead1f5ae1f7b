import { deepEqual, equal, ok } from "node:assert/strict";
import { groups, parseArgs, tally } from "./mutate.ts";

Deno.test("mutate: arguments; the issue's folders by default", () => {
  deepEqual(parseArgs([]).targets, [
    "core",
    "tools/http",
    "tools/event_bus",
    "tools/db",
    "testing",
  ]);
  const o = parseArgs(["--slice", "1/4", "--concurrency", "2", "core/", "tools/db"]);
  deepEqual(o.slice, { k: 1, n: 4 });
  equal(o.concurrency, 2);
  deepEqual(o.targets, ["core", "tools/db"]);
  equal(parseArgs(["--retest-survivors"]).incremental, true, "retesting survivors is incremental");
});

Deno.test("mutate: a folder is mutated without its tests and fixtures; files group by folder", () => {
  const [core] = groups(["core"]);
  equal(core.folder, "core");
  ok(core.mutate.includes("core/**/*.ts"));
  ok(core.mutate.includes("!core/**/*_test.ts") && core.mutate.includes("!core/**/testdata/**"));
  const files = groups(["core/owned.ts:10-20", "core/status.ts", "tools/db/lru.ts"]);
  deepEqual(files.map((g) => [g.folder, g.mutate]), [
    ["core", ["core/owned.ts:10-20", "core/status.ts"]],
    ["tools/db", ["tools/db/lru.ts"]],
  ]);
});

Deno.test("mutate: the score is Stryker's, detected over valid; a sample has an interval", () => {
  const m = (status: string) => ({ status }) as Parameters<typeof tally>[0][number];
  const t = tally([m("Killed"), m("Killed"), m("Timeout"), m("Survived"), m("Ignored")]);
  equal(t.valid, 4);
  equal(t.score, 75);
  ok(t.lo < 75 && t.hi > 75);
});
