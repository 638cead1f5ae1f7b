import assert from "node:assert/strict";
import type { Tool } from "@core";
import { otlpHosts, permissionSets, type SetInputs } from "./sets.ts";

/** Tools like the real ones: an `env` map, and needs computed from the settings. */
const web: Tool = {
  name: "http",
  env: { HOST: "", PORT: "" },
  permissions: (s) => ({ net: [`${s.env("HOST") ?? "0.0.0.0"}:${s.env("PORT") ?? 8000}`] }),
};
const db: Tool = {
  name: "db",
  env: { DATABASE_URL: "", DB_PATH: "" },
  permissions: (s) =>
    s.env("DATABASE_URL")
      ? { net: [new URL(s.env("DATABASE_URL")!).host], env: ["PGPASSWORD"], sys: ["userInfo"] }
      : { read: [`${s.dataDir}/data`], write: [`${s.dataDir}/data`] },
};
const logger: Tool = { name: "logger", env: { LOG_LEVEL: "" } };

function inputs(values: Record<string, string>, over: Partial<SetInputs> = {}): SetInputs {
  return {
    tools: [web, db, logger],
    migrateTools: ["logger", "db"],
    configKeys: ["SMTP_HOST"],
    processEnv: ["SHUTDOWN_TIMEOUT_MS"],
    value: (k) => values[k],
    ...over,
  };
}

Deno.test("permission sets with the defaults: one listener, the data folder, declared keys", () => {
  assert.deepEqual(permissionSets(inputs({})), {
    start: {
      read: ["."],
      write: ["./data"],
      net: ["0.0.0.0:8000"],
      env: [
        "DATABASE_URL",
        "DB_PATH",
        "HOST",
        "LOG_LEVEL",
        "PORT",
        "SHUTDOWN_TIMEOUT_MS",
        "SMTP_HOST",
      ],
    },
    migrate: { read: ["."], write: ["./data"], env: ["DATABASE_URL", "DB_PATH", "LOG_LEVEL"] },
    dev: {
      read: ["."],
      write: ["./.microcore", "./AI_CONTEXT.md", "./data", "./events.gen.ts", "./microcore.gen.ts"],
      net: ["0.0.0.0", "127.0.0.1", "[::1]", "[::]", "localhost"],
      env: true,
      run: ["deno"],
    },
  });
});

Deno.test("permission sets with servers: their hosts, the tools' extra env and sys; empty = unset", () => {
  const sets = permissionSets(inputs({
    HOST: "10.0.0.5",
    PORT: "9000",
    DATABASE_URL: "postgres://u:secret@db.internal:5432/app",
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    DB_PATH: "",
  }));
  assert.deepEqual(sets.start.net, ["10.0.0.5:9000", "collector:4318", "db.internal:5432"]);
  assert.equal(sets.start.write, undefined, "nothing to write without SQLite");
  assert.deepEqual(sets.start.sys, ["userInfo"]);
  assert.ok((sets.start.env as string[]).includes("PGPASSWORD"));
  assert.deepEqual(sets.migrate.net, ["collector:4318", "db.internal:5432"]);
  assert.ok(!JSON.stringify(sets).includes("secret"), "no value but hosts and paths is written");
  // dev: this machine on any port covers a loopback listener; the servers are added.
  assert.deepEqual(
    permissionSets(inputs({ HOST: "127.0.0.1", DATABASE_URL: "postgres://h:1/d" })).dev.net,
    ["0.0.0.0", "127.0.0.1", "[::1]", "[::]", "h:1", "localhost"],
  );
});

Deno.test("permission sets: a tool reading a setting it did not declare is an error", () => {
  const sneaky: Tool = { name: "sneaky", env: {}, permissions: (s) => ({ net: [s.env("X")!] }) };
  assert.throws(
    () => permissionSets(inputs({}, { tools: [sneaky] })),
    /tool "sneaky" reads X without declaring it in its `env`/,
  );
});

Deno.test("otlpHosts: each endpoint set, the scheme's port when none; a bad URL says which", () => {
  const v = (o: Record<string, string>) => (k: string) => o[k];
  assert.deepEqual(otlpHosts(v({})), []);
  assert.deepEqual(
    otlpHosts(v({
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example.com",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://[::1]:4317/v1/traces",
    })),
    ["otel.example.com:443", "[::1]:4317"],
  );
  assert.throws(
    () => otlpHosts(v({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "collector" })),
    /OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="collector" is not a URL/,
  );
});
