/**
 * Behaviour every state driver must show, run by the tests of each driver.
 * @module
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { State } from "./store.ts";
import type { StateDriver } from "./driver.ts";
import { StateValueError } from "./json.ts";

/** How a driver's test suite lets the contract run. */
export interface ContractHarness {
  /** A fresh, empty driver. */
  driver(): Promise<StateDriver>;
  /** Let `ms` milliseconds pass (fake clock, or real sleep). */
  advance(ms: number): Promise<void>;
  /** The smallest TTL the driver reliably distinguishes (ms). */
  tick: number;
}

/** Register the contract's tests (inside a `describe`). */
export function stateContract(h: ContractHarness): void {
  const withStore = (fn: (s: State, d: StateDriver) => Promise<void>) => async () => {
    const d = await h.driver();
    try {
      await fn(new State(d), d);
    } finally {
      await d.clear("");
      await d.close();
    }
  };

  it(
    "gets what was set, JSON of every kind",
    withStore(async (s) => {
      const values = [null, true, false, 0, -1.5, "", "text", [1, "a", null], {
        a: { b: [1, 2] },
        c: "x",
      }];
      for (const [i, v] of values.entries()) await s.set(`k${i}`, v);
      for (const [i, v] of values.entries()) assert.deepEqual(await s.get(`k${i}`), v);
      assert.equal(await s.get("missing"), undefined);
    }),
  );

  it(
    "stores copies: mutating after set or after get changes nothing stored",
    withStore(async (s) => {
      const v = { list: [1], nested: { n: 1 } };
      await s.set("v", v);
      v.list.push(2);
      v.nested.n = 99;
      const got = await s.get<typeof v>("v");
      assert.deepEqual(got, { list: [1], nested: { n: 1 } });
      got!.list.push(3);
      assert.deepEqual(await s.get("v"), { list: [1], nested: { n: 1 } });
    }),
  );

  it(
    "has, delete, keys (sorted, by prefix) and clear",
    withStore(async (s) => {
      await s.set("b", 1);
      await s.set("a", 2);
      await s.set("user:1", 3);
      assert.equal(await s.has("a"), true);
      assert.equal(await s.has("zzz"), false);
      assert.deepEqual(await s.keys(), ["a", "b", "user:1"]);
      assert.deepEqual(await s.keys("user:"), ["user:1"]);
      assert.equal(await s.delete("a"), true);
      assert.equal(await s.delete("a"), false);
      assert.equal(await s.has("a"), false);
      await s.clear();
      assert.deepEqual(await s.keys(), []);
    }),
  );

  it(
    "rejects values that are not plain JSON, naming key and place",
    withStore(async (s) => {
      const cyc: Record<string, unknown> = {};
      cyc.me = cyc;
      const bad: [unknown, RegExp][] = [
        [undefined, /"k" .*undefined at \$/],
        [() => 1, /function at \$/],
        [{ a: { f() {} } }, /function \(f\) at \$\.a\.f/],
        [{ a: undefined }, /undefined at \$\.a/],
        [[1, NaN], /NaN at \$\[1\]/],
        [cyc, /cyclic at \$\.me/],
        [new Date(0), /Date at \$.*toISOString/],
        [new Map(), /Map at \$/],
        [10n, /bigint/],
      ];
      for (const [value, re] of bad) {
        await assert.rejects(s.set("k", value as never), (e: unknown) => {
          assert.ok(e instanceof StateValueError);
          assert.match((e as Error).message, re);
          return true;
        });
      }
      assert.equal(await s.has("k"), false);
      // A repeated (not cyclic) reference is fine.
      const shared = { x: 1 };
      await s.set("ok", { a: shared, b: shared });
      assert.deepEqual(await s.get("ok"), { a: { x: 1 }, b: { x: 1 } });
    }),
  );

  it(
    "rejects bad keys and TTLs",
    withStore(async (s) => {
      await assert.rejects(s.set("", 1), StateValueError);
      await assert.rejects(s.get(3 as never), StateValueError);
      await assert.rejects(s.set("k", 1, { ttlMs: 0 }), /ttlMs.*positive/);
      await assert.rejects(s.set("k", 1, { ttlMs: NaN }), /ttlMs/);
      await assert.rejects(s.increment("k", 1.5), /integer/);
    }),
  );

  it(
    "expires keys after ttlMs, everywhere",
    withStore(async (s) => {
      const t = h.tick;
      await s.set("short", "x", { ttlMs: t });
      await s.set("long", "y", { ttlMs: t * 20 });
      await s.set("forever", "z");
      const left = await s.ttl("short");
      assert.ok(left !== undefined && left > 0 && left <= t, `ttl ${left}`);
      assert.equal(await s.ttl("forever"), undefined);
      assert.equal(await s.get("short"), "x");
      await h.advance(t * 2);
      assert.equal(await s.get("short"), undefined);
      assert.equal(await s.has("short"), false);
      assert.deepEqual(await s.keys(), ["forever", "long"]);
      assert.equal(await s.get("long"), "y");
    }),
  );

  it(
    "set without ttlMs clears an earlier expiry",
    withStore(async (s) => {
      await s.set("k", 1, { ttlMs: h.tick });
      await s.set("k", 2);
      await h.advance(h.tick * 2);
      assert.equal(await s.get("k"), 2);
    }),
  );

  it(
    "increment counts from 0, by any integer, and refuses non-integers",
    withStore(async (s) => {
      assert.equal(await s.increment("n"), 1);
      assert.equal(await s.increment("n", 5), 6);
      assert.equal(await s.increment("n", -10), -4);
      assert.equal(await s.get("n"), -4);
      await s.set("text", "hello");
      await assert.rejects(s.increment("text"), /text.*not an integer/);
      await s.set("obj", { a: 1 });
      await assert.rejects(s.increment("obj"), /obj.*not an integer/);
    }),
  );

  it(
    "increment is atomic under concurrent calls",
    withStore(async (s) => {
      const results = await Promise.all(Array.from({ length: 200 }, () => s.increment("hits")));
      assert.equal(await s.get("hits"), 200);
      assert.deepEqual(results.sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1));
    }),
  );

  it(
    "increment's ttlMs starts a fixed window when it creates the key",
    withStore(async (s) => {
      const t = h.tick;
      assert.equal(await s.increment("w", 1, { ttlMs: t * 2 }), 1);
      await h.advance(t);
      assert.equal(await s.increment("w", 1, { ttlMs: t * 2 }), 2); // window not extended
      await h.advance(t * 2);
      assert.equal(await s.get("w"), undefined);
      assert.equal(await s.increment("w", 1, { ttlMs: t * 2 }), 1); // a new window
    }),
  );

  it(
    "namespaces scope keys, keys() and clear(), and nest",
    withStore(async (s) => {
      const a = s.namespace("a");
      const b = s.namespace("b");
      await a.set("x", 1);
      await b.set("x", 2);
      await a.namespace("inner").set("y", 3);
      assert.equal(await a.get("x"), 1);
      assert.equal(await b.get("x"), 2);
      assert.deepEqual(await a.keys(), ["inner:y", "x"]);
      assert.deepEqual(await s.keys(), ["a:inner:y", "a:x", "b:x"]);
      assert.equal(await s.get("a:x"), 1);
      assert.equal(await a.increment("n"), 1);
      assert.equal(await b.has("n"), false);
      await a.clear();
      assert.deepEqual(await s.keys(), ["b:x"]);
      assert.throws(() => s.namespace("has:colon"), /must not contain/);
      assert.throws(() => s.namespace(""), StateValueError);
    }),
  );
}
