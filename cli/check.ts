/**
 * The architecture checks of `deno task check` (after fmt, lint and type checks): boots the app
 * in test mode (no listener, an in-memory database), runs `dev/checks.ts` on it and exits 1 when
 * one reports an error (warnings are printed only). `deno task dev` logs the same findings live.
 * @module
 */
import { projectRoot as root } from "@core";
import { bootForContext } from "../dev/context/mod.ts";
import { formatFindings, runChecks } from "../dev/checks.ts";
import { cliArgs } from "./args.ts";

cliArgs({
  usage: `usage: deno run -P=context cli/check.ts   (part of deno task check)
  boots the app in test mode and reports architecture findings; exit 1 on an error`,
});

Deno.env.set("DB_PATH", ":memory:");
const kernel = await bootForContext(root);
let findings;
try {
  findings = await runChecks(kernel);
} finally {
  await kernel.shutdown(2000);
}
for (const line of formatFindings(findings)) console.error(line);
const errors = findings.filter((f) => f.severity === "error").length;
const warnings = findings.length - errors;
console.log(`architecture checks: ${errors} error(s), ${warnings} warning(s)`);
if (errors) Deno.exit(1);
