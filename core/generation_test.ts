import { deepEqual, equal } from "node:assert/strict";
import { Generations } from "./generation.ts";
import type { Owner } from "./types.ts";

const owner = (id: string, generation = 1): Owner => ({ id, generation });
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

Deno.test("generations: in-flight work per owner generation; idle resolves at zero", async () => {
  const gens = new Generations();
  const g = gens.of(owner("d/a"));
  equal(gens.of(owner("d/a")), g, "one Generation per owner generation");
  equal(gens.of(owner("d/a", 2)) === g, false);
  g.begin();
  g.begin();
  let idle = false;
  g.idle().then(() => idle = true);
  g.end();
  await tick();
  equal(idle, false, "one unit still in flight");
  g.end();
  await tick();
  equal(idle, true);
  equal(g.inflight, 0);
});

Deno.test("generations: release closes that owner's streams only, and forgets it once idle", () => {
  const gens = new Generations();
  const closed: string[] = [];
  const a1 = gens.of(owner("d/a", 1));
  const a2 = gens.of(owner("d/a", 2));
  const b = gens.of(owner("d/b", 1));
  const ab = gens.of(owner("d/ab", 1)); // an id that starts like another: untouched
  for (const [name, g] of [["a1", a1], ["a2", a2], ["b", b], ["ab", ab]] as const) {
    const close = () => {
      closed.push(name);
      g.closers.delete(close);
    };
    g.closers.add(close);
  }
  a1.begin();
  gens.release("d/a", 1);
  deepEqual(closed, ["a1"], "one generation of one owner");
  equal(a1.released, true);
  equal(gens.of(owner("d/a", 1)), a1, "kept while its work is in flight");
  a1.end();
  equal(gens.of(owner("d/a", 1)) === a1, false, "forgotten once idle");
  gens.release("d/a");
  deepEqual(closed, ["a1", "a2"], "every generation of the owner, no one else's");
  equal(b.released || ab.released, false);
});

Deno.test("generations: drain waits for one generation, bounded by its timeout", async () => {
  const gens = new Generations();
  const g = gens.of(owner("d/a"));
  const other = gens.of(owner("d/b"));
  other.begin(); // another owner's work does not hold this drain
  g.begin();
  let drained = false;
  const d = gens.drain("d/a", 1, 2_000).then(() => drained = true);
  await tick(10);
  equal(drained, false);
  g.end();
  await d;
  equal(drained, true);
  g.begin();
  const t0 = performance.now();
  await gens.drain("d/a", 1, 20);
  equal(performance.now() - t0 < 1_000, true, "gave up after the timeout");
  await gens.drain("d/none", 1, 2_000); // nothing known: at once
  g.end();
  other.end();
});

Deno.test("generations: closeAll closes every open stream (at shutdown), all counts nothing by itself", () => {
  const gens = new Generations();
  const closed: string[] = [];
  for (const id of ["d/a", "d/b"]) gens.of(owner(id)).closers.add(() => closed.push(id));
  gens.closeAll();
  deepEqual(closed.sort(), ["d/a", "d/b"]);
  equal(gens.all.inflight, 0);
});

Deno.test("generations: idle resolves at once when nothing is in flight", async () => {
  const g = new Generations().of(owner("d/a"));
  let idle = false;
  g.idle().then(() => idle = true);
  await tick();
  equal(idle, true, "never begun");
  g.begin();
  g.end();
  idle = false;
  g.idle().then(() => idle = true);
  await tick();
  equal(idle, true, "begun and ended");
});

Deno.test("generations: a live generation stays known however often it goes idle", () => {
  const gens = new Generations();
  const g = gens.of(owner("d/a"));
  g.closers.add(() => {});
  g.begin();
  g.end();
  equal(gens.of(owner("d/a")), g, "same generation, its open streams still tracked");
  equal(g.closers.size, 1);
});

Deno.test("generations: releasing an idle generation forgets it at once", () => {
  const gens = new Generations();
  const g = gens.of(owner("d/a"));
  gens.release("d/a", 1);
  equal(g.released, true);
  const again = gens.of(owner("d/a"));
  equal(again === g, false, "a fresh one");
  equal(again.released, false);
});

Deno.test("generations: a released generation going idle late never drops its successor", () => {
  const gens = new Generations();
  const old = gens.of(owner("d/a"));
  gens.release("d/a"); // idle: forgotten at once
  const next = gens.of(owner("d/a")); // same key, new object
  old.begin(); // a straggler of the old object (a stream closing late)
  old.end();
  equal(gens.of(owner("d/a")), next);
});
