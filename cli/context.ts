/**
 * `deno task context`: regenerates AI_CONTEXT.md from the code.
 * `deno task context --check`: exits 1 when the committed file differs from what the code gives.
 * @module
 */
import { projectRoot as root } from "@core";
import { CONTEXT_FILE, generateContext, writeIfChanged } from "../dev/context/mod.ts";
import { cliArgs } from "./args.ts";

const { flags } = cliArgs({
  usage: `usage: deno task context [--check]
  (no flag)  regenerate AI_CONTEXT.md from the code
  --check    exit 1 when the committed AI_CONTEXT.md differs from what the code gives`,
  booleans: ["--check"],
});

// The generator boots the kernel in test mode: no listener, an in-memory database.
Deno.env.set("DB_PATH", ":memory:");

const text = await generateContext({ root });
const tokens = Math.round(text.length / 4);
if (flags["--check"]) {
  const current = await Deno.readTextFile(`${root}/${CONTEXT_FILE}`).catch(() => "");
  if (current !== text) {
    console.error(`${CONTEXT_FILE} is stale: run \`deno task context\` and commit it.`);
    Deno.exit(1);
  }
  console.log(`${CONTEXT_FILE} is up to date (~${tokens} tokens).`);
} else {
  const wrote = await writeIfChanged(root, text);
  console.log(`${CONTEXT_FILE} ${wrote ? "written" : "unchanged"} (~${tokens} tokens).`);
}
