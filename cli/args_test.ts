import assert from "node:assert/strict";
import { CliExit, parseCli } from "./args.ts";

const SPEC = {
  usage: "usage: x [--check] [--out <f>] [name]",
  booleans: ["--check"],
  strings: ["--out"],
  aliases: { "-o": "--out" },
  maxPositionals: 1,
};

function exitOf(args: string[]): CliExit {
  try {
    parseCli(args, SPEC);
  } catch (err) {
    if (err instanceof CliExit) return err;
    throw err;
  }
  assert.fail(`parseCli(${JSON.stringify(args)}) did not ask to exit`);
}

Deno.test("parseCli reads booleans, values in both spellings, aliases and positionals", () => {
  assert.deepEqual(parseCli(["--check", "--out", "a.txt", "n"], SPEC), {
    flags: { "--check": true, "--out": "a.txt" },
    positionals: ["n"],
  });
  assert.deepEqual(parseCli(["--out=b=c", "-o", "d"], SPEC).flags, { "--out": "d" });
  assert.deepEqual(parseCli([], SPEC), { flags: {}, positionals: [] });
  // After `--`, everything is positional (a file named like a flag).
  assert.deepEqual(parseCli(["--", "--check"], SPEC).positionals, ["--check"]);
});

Deno.test("parseCli: --help and -h ask for the usage and exit 0, even after other flags", () => {
  for (const args of [["--help"], ["-h"], ["--check", "--help"], ["--bogus", "--help"].reverse()]) {
    const e = exitOf(args);
    assert.equal(e.code, 0, String(args));
    assert.equal(e.message, SPEC.usage);
  }
});

Deno.test("parseCli: unknown flags, missing values and extra arguments exit 2 with the usage", () => {
  const cases: [string[], string][] = [
    [["--bogus"], "unknown option --bogus"],
    [["--check=yes"], "--check takes no value"],
    [["--out"], "--out needs a value"],
    [["--out", "--check"], "--out needs a value"],
    [["-o"], "-o needs a value"],
    [["a", "b"], "unexpected argument b (at most 1)"],
    [["--bogus=1"], "unknown option --bogus"],
  ];
  for (const [args, why] of cases) {
    const e = exitOf(args);
    assert.equal(e.code, 2, String(args));
    assert.equal(e.message, `${why}\n${SPEC.usage}`);
  }
  const none = { usage: "usage: y" };
  assert.throws(() => parseCli(["z"], none), { message: "unexpected argument z\nusage: y" });
});
