import { deepEqual, equal, ok } from "node:assert/strict";
import { OwnedRegistry } from "./owned.ts";

const gen = (generation: number) => ({ id: "d/p", generation });
const other = (generation: number) => ({ id: "d/q", generation });

Deno.test("owned: a staged generation is invisible until activated, then replaces the old", () => {
  const r = new OwnedRegistry<string>();
  r.add(gen(1), "a1");
  r.activate(gen(1));
  r.add(gen(2), "a2");
  deepEqual(r.live(), ["a1"]);
  deepEqual(r.activate(gen(2)), ["a1"]);
  deepEqual(r.live(), ["a2"]);
  equal(r.size, 1);
});

Deno.test("owned: a replaced or released generation can no longer register (no ghosts)", () => {
  const r = new OwnedRegistry<string>();
  r.add(gen(1), "a1");
  r.activate(gen(1));
  r.add(gen(2), "a2");
  r.activate(gen(2));
  equal(r.add(gen(1), "late timer of gen 1"), false);
  r.add(gen(3), "a3");
  r.release("d/p", 3); // a failed reload
  equal(r.add(gen(3), "late"), false);
  equal(r.add(gen(1), "late timer of gen 1"), false, "a failed reload keeps what was retired");
  equal(r.add(gen(2), "still live, may register"), true);
  r.release("d/p"); // unloaded
  equal(r.add(gen(2), "after unload"), false);
  equal(r.size, 0);
  equal(r.add(gen(4), "loaded again"), true, "a later load registers normally");
});

Deno.test("owned: items of a generation accumulate; a staged add changes nothing live, a live add does", () => {
  const r = new OwnedRegistry<string>();
  const v0 = r.version;
  equal(r.add(gen(1), "a"), true);
  equal(r.add(gen(1), "b"), true);
  equal(r.version, v0, "staged: no rebuild");
  deepEqual(r.live(), []);
  deepEqual(r.itemsOf("d/p", 1), ["a", "b"]);
  deepEqual(r.itemsOf("d/p"), [], "no generation is live yet");
  equal(r.isLive(gen(1)), false);
  deepEqual(r.activate(gen(1)), []);
  equal(r.isLive(gen(1)), true);
  ok(r.version > v0, "activation: rebuild");
  deepEqual(r.live(), ["a", "b"]);
  const v1 = r.version;
  r.add(gen(1), "c");
  ok(r.version > v1, "a live add: rebuild");
  deepEqual(r.live(), ["a", "b", "c"]);
  deepEqual(r.itemsOf("d/p"), ["a", "b", "c"]);
});

Deno.test("owned: remove takes one item out wherever it is; false, changing nothing, when absent", () => {
  const r = new OwnedRegistry<string>();
  for (const item of ["a", "b", "c"]) r.add(gen(1), item);
  r.activate(gen(1));
  deepEqual(r.live(), ["a", "b", "c"]);
  let v = r.version;
  equal(r.remove(gen(1), "b"), true);
  deepEqual(r.live(), ["a", "c"]);
  ok(r.version > v);
  equal(r.remove(gen(1), "a"), true, "the first item too");
  deepEqual(r.live(), ["c"]);
  v = r.version;
  equal(r.remove(gen(1), "a"), false, "already removed");
  equal(r.remove(gen(2), "c"), false, "another generation holds nothing");
  equal(r.remove(other(1), "c"), false, "another owner holds nothing");
  deepEqual(r.live(), ["c"]);
  equal(r.version, v);
  r.add(gen(2), "x");
  v = r.version;
  equal(r.remove(gen(2), "x"), true);
  equal(r.version, v, "a staged remove: no rebuild");
  deepEqual(r.itemsOf("d/p", 2), []);
  equal(r.size, 1);
});

Deno.test("owned: activate returns the items of every generation it replaced, none for a new owner", () => {
  const r = new OwnedRegistry<string>();
  deepEqual(r.activate(other(1)), [], "an owner that registered nothing");
  equal(r.isLive(other(1)), true);
  deepEqual(r.itemsOf("d/q"), []);
  deepEqual(r.live(), []);
  r.add(gen(1), "a1");
  r.activate(gen(1));
  r.add(gen(2), "a2");
  r.add(gen(3), "a3");
  r.add(other(1), "b1");
  deepEqual(r.live(), ["b1", "a1"], "in the order the owners went live");
  deepEqual(r.activate(gen(3)), ["a1", "a2"]);
  deepEqual(r.live(), ["b1", "a3"]);
  equal(r.isLive(gen(1)), false);
  equal(r.isLive(gen(3)), true);
  equal(r.size, 2);
  deepEqual(r.activate(gen(4)), ["a3"], "reloaded, and registers nothing this time");
  deepEqual(r.live(), ["b1"]);
  equal(r.size, 1);
});

Deno.test("owned: release drops one generation or all of them and returns exactly what it dropped", () => {
  const r = new OwnedRegistry<string>();
  r.add(gen(1), "a1");
  r.activate(gen(1));
  r.add(gen(2), "a2");
  r.add(other(1), "b1");
  r.activate(other(1));
  deepEqual(r.live(), ["a1", "b1"]);
  const v = r.version;
  deepEqual(r.release("d/p", 2), ["a2"], "a failed reload: the staged generation");
  equal(r.version, v, "nothing live changed");
  deepEqual(r.live(), ["a1", "b1"]);
  deepEqual(r.release("d/p", 1), ["a1"], "the live generation");
  ok(r.version > v);
  equal(r.isLive(gen(1)), false);
  deepEqual(r.live(), ["b1"]);
  deepEqual(r.itemsOf("d/p", 1), []);
  r.add(other(2), "b2");
  deepEqual(r.release("d/q"), ["b1", "b2"], "unloaded: every generation");
  equal(r.isLive(other(1)), false);
  deepEqual(r.live(), []);
  equal(r.size, 0);
});

Deno.test("owned: releasing an owner it does not hold, or twice, changes nothing (no rebuild)", () => {
  const r = new OwnedRegistry<string>();
  r.add(gen(1), "a");
  r.activate(gen(1));
  r.live();
  let v = r.version;
  deepEqual(r.release("d/none"), []);
  deepEqual(r.release("d/none", 3), []);
  equal(r.version, v);
  deepEqual(r.live(), ["a"]);
  deepEqual(r.release("d/p"), ["a"]);
  v = r.version;
  deepEqual(r.release("d/p"), []);
  equal(r.version, v, "released twice");
});

Deno.test("owned: unloading retires the newest generation, live without items or staged", () => {
  const r = new OwnedRegistry<string>();
  r.activate(gen(2)); // live, registered nothing yet
  r.release("d/p");
  equal(r.add(gen(2), "late"), false);
  const s = new OwnedRegistry<string>();
  s.add(gen(1), "a1");
  s.activate(gen(1));
  s.add(gen(2), "a2"); // a reload in progress
  deepEqual(s.release("d/p"), ["a1", "a2"]);
  equal(s.add(gen(2), "late"), false);
  equal(s.add(gen(3), "loaded again"), true);
});

Deno.test("owned: entries lists every owner's items, live and staged; itemsOf one generation", () => {
  const r = new OwnedRegistry<string>();
  r.add(gen(1), "a");
  r.activate(gen(1));
  r.add(gen(2), "b");
  r.add(other(1), "c");
  deepEqual([...r.entries()], [[gen(1), "a"], [gen(2), "b"], [other(1), "c"]]);
  deepEqual(r.itemsOf("d/p"), ["a"], "the live one by default");
  deepEqual(r.itemsOf("d/p", 2), ["b"]);
  deepEqual(r.itemsOf("d/p", 9), []);
  deepEqual(r.itemsOf("d/none"), []);
  deepEqual(r.itemsOf("d/none", 1), []);
});

Deno.test("owned: an owner activated with nothing registered is not live once released", () => {
  const reg = new OwnedRegistry<string>();
  const o = { id: "d/empty", generation: 1 };
  reg.activate(o);
  equal(reg.isLive(o), true);
  deepEqual(reg.release("d/empty"), []);
  equal(reg.isLive(o), false, "an unloaded plugin is not live");
  equal(reg.add(o, "late"), false, "and it cannot register any more");
});
