import assert from "node:assert/strict";
import { tempProject } from "@core/testdata/project.ts";
import { diffSets, formatJson, readDenoJson, writeSets } from "./deno_json.ts";
import type { GeneratedSets } from "./sets.ts";

const SETS: GeneratedSets = {
  start: { read: ["."], net: ["0.0.0.0:8000"], env: ["PORT"] },
  migrate: { read: ["."] },
  dev: { read: ["."], env: true, run: ["deno"] },
};

Deno.test("writeSets replaces the generated sets only; diffSets names each stale kind", async () => {
  const before = {
    tasks: { start: "x" },
    permissions: { test: { read: true }, start: { read: ["."], env: true } },
  };
  await using p = await tempProject({ "deno.json": JSON.stringify(before) });
  assert.deepEqual(diffSets(before, SETS), [
    `start.env: has true, wants ["PORT"]`,
    `start.net: has null, wants ["0.0.0.0:8000"]`,
    `migrate.read: has null, wants ["."]`,
    `dev.env: has null, wants true`,
    `dev.read: has null, wants ["."]`,
    `dev.run: has null, wants ["deno"]`,
  ]);
  assert.equal(await writeSets(p.root, SETS), true);
  const after = await readDenoJson(p.root);
  assert.deepEqual(after.tasks, before.tasks);
  assert.deepEqual(after.permissions, { test: { read: true }, ...SETS });
  assert.deepEqual(Object.keys(after.permissions!), ["test", "start", "migrate", "dev"]);
  assert.deepEqual(diffSets(after, SETS), []);
  assert.equal(await writeSets(p.root, SETS), false, "up to date: not rewritten");
  const names = (await Array.fromAsync(Deno.readDir(p.root))).map((e) => e.name);
  assert.deepEqual(names, ["deno.json"], "no temporary file left behind");
});

Deno.test("formatJson: short string lists on one line, long ones one item a line", () => {
  assert.equal(
    formatJson({ a: ["."], b: true, c: {} }),
    `{\n  "a": ["."],\n  "b": true,\n  "c": {}\n}`,
  );
  const long = Array.from({ length: 12 }, (_, i) => `KEY_NUMBER_${i}`);
  assert.equal(
    formatJson({ env: long }),
    `{\n  "env": [\n${long.map((k) => `    "${k}"`).join(",\n")}\n  ]\n}`,
  );
  assert.equal(formatJson([]), "[]");
});
