import assert from "node:assert/strict";
import { tempProject } from "@core/testdata/project.ts";
import { configReads, readDeclared } from "./declared.ts";

Deno.test("configReads: literal keys of config.<getter>(…); computed keys are reported", () => {
  const src = `
    const a = this.config.get("SMTP_HOST");
    const b = this.config.int('SMTP_PORT', 587);
    const c = this.config?.bool(\`SMTP_TLS\`, true);
    const d = config.require( "API_KEY" );
    const e = this.config.list(name);
    const f = this.other.get("NOT_CONFIG"); const g = myconfig.get("NOR_THIS");
  `;
  const r = configReads(src);
  assert.deepEqual(r.keys, ["SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "API_KEY"]);
  assert.deepEqual(r.hidden, [{ line: 6, call: "config.list(name)" }]);
  assert.deepEqual(configReads("this.config.get(`A_${x}`)").hidden.length, 1);
});

Deno.test("readDeclared: the tools (constructed) and the keys every domain file reads", async () => {
  await using p = await tempProject({
    "tools/web/mod.ts": `export default class { name = "web"; env = { PORT: "" }; }`,
    "tools/bare/mod.ts": `export default { name: "bare" };`,
    "domains/shop/plugins/mail.ts":
      `export default class { constructor(config) { this.config = config; }
      onBoot() { this.config.get("SMTP_HOST"); } }`,
    "domains/shop/models/keys.ts": `export const k = (config) => config.int("PAGE_SIZE", 20);`,
    "domains/shop/plugins/mail_test.ts": `config.get("ONLY_IN_A_TEST");`,
    "domains/shop/plugins/dyn.ts":
      `export default class { run(config, k) { return config.get(k); } }`,
  });
  const d = await readDeclared(p.root);
  assert.deepEqual(d.tools.map((t) => t.name), ["bare", "web"]);
  assert.deepEqual(d.configKeys, ["PAGE_SIZE", "SMTP_HOST"]);
  assert.deepEqual(d.hidden, [{
    file: "domains/shop/plugins/dyn.ts",
    line: 1,
    call: "config.get(k)",
  }]);
});
