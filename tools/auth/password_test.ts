import assert from "node:assert/strict";
import {
  DEFAULT_HASH_QUEUE,
  Gate,
  hashesRun,
  MAX_CONCURRENT_HASHES,
  OWASP_SCRYPT,
  PasswordHasher,
  TEST_SCRYPT,
} from "./password.ts";

const fast = new PasswordHasher(TEST_SCRYPT);

Deno.test("hash is a PHC string with the parameters, a 16-byte salt and a 32-byte key", async () => {
  const h = await fast.hash("correct horse");
  assert.match(h, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(await fast.hash("correct horse"), h, "a fresh salt each time");
});

Deno.test("verify: the right password is ok without rehash; a wrong one is not ok", async () => {
  const h = await fast.hash("correct horse");
  assert.deepEqual(await fast.verify("correct horse", h), { ok: true });
  assert.deepEqual(await fast.verify("correct horsf", h), { ok: false });
  assert.deepEqual(await fast.verify("", h), { ok: false });
});

Deno.test("verify: a hash with other parameters is ok and comes with a rehash at the current ones", async () => {
  const old = await new PasswordHasher({ ln: 9, r: 8, p: 1 }).hash("pw");
  const check = await fast.verify("pw", old);
  assert.equal(check.ok, true);
  assert.match(check.rehash!, /^\$scrypt\$ln=10,r=8,p=1\$/);
  assert.deepEqual(await fast.verify("pw", check.rehash!), { ok: true });
  // A wrong password against old parameters: no rehash.
  assert.deepEqual(await fast.verify("nope", old), { ok: false });
});

Deno.test("verify never throws on a malformed, foreign or too costly stored hash", async () => {
  const good = await fast.hash("pw");
  const cases = [
    "",
    "plain",
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    good.replace("ln=10", "ln=0"),
    good.replace("ln=10", "ln=31"), // 2^31 × 1 KiB: refused before hashing
    good.replace("r=8", "r=99"),
    good.replace("p=1", "p=9"),
    good.slice(0, -5),
    good + "$",
    good.replace(/\$[^$]+$/, "$!!!!"),
  ];
  for (const stored of cases) {
    assert.deepEqual(await fast.verify("pw", stored), { ok: false }, stored);
  }
  // deno-lint-ignore no-explicit-any
  assert.deepEqual(await fast.verify("pw", undefined as any), { ok: false });
  // deno-lint-ignore no-explicit-any
  assert.deepEqual(await fast.verify(undefined as any, good), { ok: false });
});

Deno.test("passwords over 1024 bytes: hash refuses, verify says not ok", async () => {
  const long = "é".repeat(513); // 1026 bytes
  await assert.rejects(fast.hash(long), /password longer than 1024 bytes/);
  assert.deepEqual(await fast.verify(long, await fast.hash("x")), { ok: false });
  // deno-lint-ignore no-explicit-any
  await assert.rejects(fast.hash(42 as any), /password must be a string/);
});

Deno.test("the default parameters are OWASP's scrypt (N=2^17, r=8, p=1)", async () => {
  assert.deepEqual(new PasswordHasher().params, { ln: 17, r: 8, p: 1 });
  assert.equal(OWASP_SCRYPT, new PasswordHasher().params);
  const h = await new PasswordHasher().hash("pw");
  assert.match(h, /^\$scrypt\$ln=17,r=8,p=1\$/);
  // The test hasher verifies it, and asks for a rehash (its parameters differ).
  const check = await fast.verify("pw", h);
  assert.equal(check.ok, true);
  assert.match(check.rehash!, /^\$scrypt\$ln=10,/);
});

Deno.test("Gate: at most max run at once, the rest start in order as slots free", async () => {
  const gate = new Gate(2);
  const started: number[] = [];
  const release: (() => void)[] = [];
  const job = (i: number) =>
    gate.run(() => {
      started.push(i);
      return new Promise<number>((r) => release[i] = () => r(i));
    });
  const all = [0, 1, 2, 3].map(job);
  await Promise.resolve();
  assert.deepEqual(started, [0, 1]);
  assert.deepEqual(gate.load, { running: 2, waiting: 2 });
  release[1]();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(started, [0, 1, 2]);
  release[0]();
  release[2]();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(started, [0, 1, 2, 3]);
  release[3]();
  assert.deepEqual(await Promise.all(all), [0, 1, 2, 3]);
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
  assert.equal(gate.started, 4);
  // A failing job frees its slot too.
  await assert.rejects(gate.run(() => Promise.reject(new Error("x"))), /x/);
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
});

Deno.test("a malformed stored hash or an over-long password costs one hash too (no timing tell)", async () => {
  const good = await fast.hash("pw");
  const cost = async (f: () => Promise<unknown>) => {
    const before = hashesRun();
    await f();
    return hashesRun() - before;
  };
  assert.equal(await cost(() => fast.verify("pw", good)), 1);
  assert.equal(await cost(() => fast.verify("nope", good)), 1);
  assert.equal(await cost(() => fast.verify("pw", "")), 1);
  assert.equal(await cost(() => fast.verify("pw", good.replace("ln=10", "ln=31"))), 1);
  assert.equal(await cost(() => fast.verify("x".repeat(2000), good)), 1);
  // A match at old parameters: the check and the rehash.
  const old = await new PasswordHasher({ ln: 9, r: 8, p: 1 }).hash("pw");
  assert.equal(await cost(() => fast.verify("pw", old)), 2);
});

Deno.test("Gate: beyond maxWaiting a job is refused at once (kind unavailable), nothing else waits", async () => {
  const gate = new Gate(1);
  const release: (() => void)[] = [];
  const job = () => gate.run(() => new Promise<void>((r) => release.push(r)), 1);
  const running = job();
  const waiting = job();
  const refused = await job().then(() => undefined, (e) => e);
  assert.equal(refused.kind, "unavailable");
  assert.equal(refused.message, "too many password hashes waiting, try again shortly");
  assert.deepEqual(gate.load, { running: 1, waiting: 1 });
  assert.equal(gate.started, 1, "the refused job never started");
  release[0]();
  await running;
  await new Promise((r) => setTimeout(r, 0));
  release[1]();
  await waiting;
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
  assert.equal(gate.started, 2);
});

Deno.test("hash and verify beyond the hasher's queue reject at once with kind unavailable (never ok: false)", async () => {
  const hasher = new PasswordHasher(TEST_SCRYPT, { queue: 1 });
  const good = await hasher.hash("pw");
  const before = hashesRun();
  const n = MAX_CONCURRENT_HASHES + 1;
  const settled = await Promise.allSettled([
    ...Array.from({ length: n }, () => hasher.verify("pw", good)),
    hasher.verify("pw", good),
    hasher.verify("pw", "not a hash"),
    hasher.hash("pw"),
  ]);
  assert.deepEqual(settled.slice(0, n).map((s) => s.status), Array(n).fill("fulfilled"));
  for (const s of settled.slice(n)) {
    assert.equal(s.status, "rejected");
    assert.equal((s as PromiseRejectedResult).reason.kind, "unavailable");
  }
  assert.equal(hashesRun() - before, n, "the refused calls cost no hash");
  // The default queue is 32 deep.
  assert.equal(new PasswordHasher().queue, DEFAULT_HASH_QUEUE);
  assert.equal(DEFAULT_HASH_QUEUE, 32);
});
