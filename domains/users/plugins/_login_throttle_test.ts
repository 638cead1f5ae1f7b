import assert from "node:assert/strict";
import { MemoryDriver, State } from "@tools/state/mod.ts";
import { LoginThrottle, MAX_FAILURES, WINDOW_MS } from "./_login_throttle.ts";

const store = () => new State(new MemoryDriver());

Deno.test("LoginThrottle: 5 attempts pass, the 6th is refused with the seconds left", async () => {
  const s = store();
  const throttle = new LoginThrottle(s);
  const counts = [];
  for (let i = 0; i < MAX_FAILURES; i++) {
    const a = await throttle.begin("ann@example.com");
    assert.equal(a.retryAfter, undefined);
    counts.push(a.count);
  }
  assert.deepEqual(counts, [1, 2, 3, 4, 5]);
  const refused = await throttle.begin("ann@example.com");
  assert.equal(refused.count, 6);
  assert.ok(refused.retryAfter! > WINDOW_MS / 1000 - 5 && refused.retryAfter! <= WINDOW_MS / 1000);
  // Another email has its own count.
  assert.deepEqual((await throttle.begin("bob@example.com")).count, 1);
});

Deno.test("LoginThrottle: a success forgets the failures", async () => {
  const throttle = new LoginThrottle(store());
  for (let i = 0; i < MAX_FAILURES - 1; i++) await throttle.begin("ann@example.com");
  await (await throttle.begin("ann@example.com")).succeeded();
  assert.equal((await throttle.begin("ann@example.com")).count, 1);
});

Deno.test("LoginThrottle: the window is fixed from the first attempt, then it starts over", async () => {
  const throttle = new LoginThrottle(store(), 2, 60);
  await throttle.begin("a@b.co");
  await throttle.begin("a@b.co");
  const refused = await throttle.begin("a@b.co");
  assert.equal(refused.retryAfter, 1, "under a second left rounds up to 1");
  await new Promise((r) => setTimeout(r, 80));
  const again = await throttle.begin("a@b.co");
  assert.deepEqual([again.count, again.retryAfter], [1, undefined]);
});

Deno.test("LoginThrottle: the store holds a SHA-256 of the email, never the email", async () => {
  const s = store();
  await new LoginThrottle(s).begin("Secret-Typed-Here");
  const keys = await s.keys();
  // `printf Secret-Typed-Here | sha256sum`
  assert.deepEqual(keys, ["b39239cf8c6df6de94848d42e77cce04c12f56a30dd043b7d71bc75bf9d02f9e"]);
});
