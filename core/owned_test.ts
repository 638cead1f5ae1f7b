import { deepEqual, equal } from "node:assert/strict";
import { OwnedRegistry } from "./owned.ts";

const gen = (generation: number) => ({ id: "d/p", generation });

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
  equal(r.add(gen(2), "still live, may register"), true);
  r.release("d/p"); // unloaded
  equal(r.add(gen(2), "after unload"), false);
  equal(r.size, 0);
  equal(r.add(gen(4), "loaded again"), true, "a later load registers normally");
});
