/**
 * Every task answers `--help` with its usage (exit 0) and a typo with the usage (exit 2), and
 * neither runs anything or writes a file: the generated files and bench results stay untouched.
 */
import assert from "node:assert/strict";
import { projectRoot as root } from "@core";

/** Each task, and a word its usage must contain. */
const TASKS: [string, string][] = [
  ["dev", "hot reload"],
  ["start", "deno task start"],
  ["migrate", "migrations"],
  ["manifest", "--check"],
  ["context", "AI_CONTEXT.md"],
  ["new", "deno task new plugin"],
  ["compile", "DENORT_BIN"],
  ["bench", "--save"],
  ["mutate", "--slice"],
];

const WATCHED = [
  "AI_CONTEXT.md",
  "microcore.gen.ts",
  "bench/results.json",
  "bench/results.local.json",
  "dist",
];

async function stamps(): Promise<string[]> {
  return await Promise.all(
    WATCHED.map((f) =>
      Deno.stat(`${root}/${f}`).then((i) => `${f} ${i.mtime?.getTime()}`, () => f)
    ),
  );
}

async function task(name: string, arg: string) {
  const out = await new Deno.Command("deno", {
    args: ["task", "-q", name, arg],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name:
    "every task: --help prints its usage and exits 0; an unknown flag exits 2; nothing is written",
  sanitizeResources: false,
  async fn() {
    const before = await stamps();
    const runs = await Promise.all(
      TASKS.map(async ([name, word]) => ({
        name,
        word,
        help: await task(name, "--help"),
        typo: await task(name, "--no-such-flag"),
      })),
    );
    for (const { name, word, help, typo } of runs) {
      assert.equal(help.code, 0, `${name} --help: ${help.stderr}`);
      assert.match(help.stdout, /^usage:/m, `${name} --help prints a usage`);
      assert.ok(help.stdout.includes(word), `${name} --help mentions ${word}: ${help.stdout}`);
      assert.equal(typo.code, 2, `${name} --no-such-flag: ${typo.stderr}`);
      assert.match(typo.stderr, /unknown option --no-such-flag/, name);
      assert.match(typo.stderr, /usage:/, name);
    }
    assert.deepEqual(await stamps(), before, "a help or a typo wrote a file");
  },
});
