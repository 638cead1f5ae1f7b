import assert from "node:assert/strict";
import { dbPermissions, POSTGRES_ENV } from "./permissions.ts";

const needs = (env: Record<string, string>, dataDir = ".") =>
  dbPermissions({ env: (k) => env[k], dataDir });

Deno.test("db permissions on SQLite: read and write the database file's folder", () => {
  assert.deepEqual(needs({}), { read: ["./data"], write: ["./data"] });
  assert.deepEqual(needs({ DB_PATH: "db/x.sqlite" }), { read: ["./db"], write: ["./db"] });
  assert.deepEqual(needs({ DB_PATH: "/var/lib/app/app.db" }), {
    read: ["/var/lib/app"],
    write: ["/var/lib/app"],
  });
  assert.deepEqual(needs({ DB_PATH: "file:/srv/a.db?mode=rwc" }), {
    read: ["/srv"],
    write: ["/srv"],
  });
  assert.deepEqual(needs({ DB_PATH: ":memory:" }), {});
  assert.deepEqual(needs({ DB_PATH: "app.db" }, "/opt/x/"), {
    read: ["/opt/x"],
    write: ["/opt/x"],
  });
});

Deno.test("db permissions on PostgreSQL: each host of DATABASE_URL and the PG* variables", () => {
  const all = needs({ DATABASE_URL: "postgres://app:pw@db.internal:6432/shop" });
  assert.deepEqual(all, { net: ["db.internal:6432"], env: [...POSTGRES_ENV] });
  assert.ok(POSTGRES_ENV.includes("PGPASSWORD") && POSTGRES_ENV.includes("PGSSL"));
  assert.deepEqual(
    needs({ DB_DRIVER: "postgres", DATABASE_URL: "postgresql://u@a,b:5433,[::1]/db" }).net,
    ["a:5432", "b:5433", "[::1]:5432"],
  );
  assert.deepEqual(needs({ DB_DRIVER: "postgres" }).net, ["127.0.0.1:5432"]);
  // No user in the URL: the client falls back to USER & co., then the OS account.
  const anon = needs({ DATABASE_URL: "postgres://127.0.0.1:5432/test" });
  assert.deepEqual(anon.sys, ["userInfo"]);
  assert.deepEqual(anon.env?.slice(-3), ["USERNAME", "USER", "LOGNAME"]);
  // A postgres URL with DB_DRIVER=sqlite stays on SQLite.
  assert.deepEqual(needs({ DB_DRIVER: "sqlite", DATABASE_URL: "postgres://h/db" }).net, undefined);
});
