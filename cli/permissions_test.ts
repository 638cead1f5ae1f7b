import assert from "node:assert/strict";
import { tempProject } from "@core/testdata/project.ts";
import { main } from "./permissions.ts";

const TOOL = `export default class {
  name = "web";
  env = { HOST: "", PORT: "" };
  permissions(s) { return { net: [\`\${s.env("HOST") ?? "0.0.0.0"}:\${s.env("PORT") ?? 8000}\`] }; }
}`;
const PLUGIN = `export default class {
  constructor(config) { this.config = config; }
  onBoot() { this.key = this.config.require("API_KEY"); }
}`;

/** Runs the task quietly; returns its exit code and what it printed to stderr. */
async function run(args: string[], root: string, env: Record<string, string>) {
  const errors: string[] = [];
  const { error, log } = console;
  console.error = (...a: unknown[]) => errors.push(a.join(" "));
  console.log = () => {};
  try {
    return { code: await main(args, root, (k) => env[k]), errors };
  } finally {
    Object.assign(console, { error, log });
  }
}

Deno.test("deno task permissions --check fails on stale sets; the task writes them; then it passes", async () => {
  await using p = await tempProject({
    "deno.json": JSON.stringify({ permissions: { start: { read: ["."], env: true } } }),
    "tools/web/mod.ts": TOOL,
    "domains/shop/plugins/pay.ts": PLUGIN,
  });
  const env = { HOST: "127.0.0.1", PORT: "9000" };
  const stale = await run(["--check"], p.root, env);
  assert.equal(stale.code, 1);
  assert.match(stale.errors.join("\n"), /run `deno task permissions`/);
  assert.match(
    stale.errors.join("\n"),
    /start\.env: has true, wants \["ALLOW_FAILED_TOOLS","API_KEY","HOST","PORT","SHUTDOWN_TIMEOUT_MS"\]/,
  );

  assert.equal((await run([], p.root, env)).code, 0);
  const start = JSON.parse(await Deno.readTextFile(`${p.root}/deno.json`)).permissions.start;
  assert.deepEqual(start, {
    read: ["."],
    net: ["127.0.0.1:9000"],
    env: ["ALLOW_FAILED_TOOLS", "API_KEY", "HOST", "PORT", "SHUTDOWN_TIMEOUT_MS"],
  });
  assert.deepEqual(await run(["--check"], p.root, env), { code: 0, errors: [] });

  const moved = await run(["--check"], p.root, { ...env, PORT: "9001" });
  assert.equal(moved.code, 1, "another deployment's settings make the sets stale");
  assert.match(
    moved.errors.join("\n"),
    /start\.net: has \["127\.0\.0\.1:9000"\], wants \["127\.0\.0\.1:9001"\]/,
  );
});

Deno.test("deno task permissions refuses a config read with a computed key, naming the line", async () => {
  await using p = await tempProject({
    "deno.json": "{}",
    "domains/shop/plugins/dyn.ts":
      `export default class {\n  f(k) { return this.config.get(k); }\n}`,
  });
  const r = await run([], p.root, {});
  assert.equal(r.code, 1);
  assert.deepEqual(r.errors, [
    "domains/shop/plugins/dyn.ts:2: config.get(k) reads a key that is not written out, so it " +
    'cannot be granted: read each setting with a literal key, e.g. config.get("SMTP_HOST")',
  ]);
  assert.equal(await Deno.readTextFile(`${p.root}/deno.json`), "{}", "nothing written");
});
