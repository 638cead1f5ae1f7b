/**
 * DbError, isDbError, and the write target read from a statement.
 * @module
 */
import assert from "node:assert/strict";
import { DbError, isDbError, writeTarget } from "./errors.ts";

Deno.test("errors: a DbError carries its kind, details and cause", () => {
  const cause = new Error("engine");
  const e = new DbError("boom", {
    kind: "unique_violation",
    table: "items",
    column: "a",
    columns: ["a", "b"],
    constraint: "items_a_b_key",
    code: "23505",
    sql: "INSERT INTO items VALUES (1)",
    cause,
  });
  assert.ok(e instanceof Error);
  assert.equal(e.name, "DbError");
  assert.equal(e.message, "boom");
  assert.equal(e.cause, cause);
  assert.deepEqual(
    [e.kind, e.table, e.column, e.columns, e.constraint, e.code, e.sql],
    [
      "unique_violation",
      "items",
      "a",
      ["a", "b"],
      "items_a_b_key",
      "23505",
      "INSERT INTO items VALUES (1)",
    ],
  );
});

Deno.test("errors: a DbError without a cause has no cause; a null cause is kept", () => {
  const bare = new DbError("x", { kind: "busy" });
  assert.equal("cause" in bare, false);
  assert.deepEqual([bare.table, bare.column, bare.columns, bare.code, bare.sql], [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  const nullCause = new DbError("x", { kind: "busy", cause: null });
  assert.equal("cause" in nullCause, true);
  assert.equal(nullCause.cause, null);
});

Deno.test("errors: isDbError checks the name and the kind, across module copies", () => {
  const e = new DbError("x", { kind: "busy" });
  assert.equal(isDbError(e), true);
  assert.equal(isDbError(e, "busy"), true);
  assert.equal(isDbError(e, "unknown"), false);
  // another copy of the module: same name, a kind
  const copy = Object.assign(new Error("y"), { name: "DbError", kind: "busy" });
  assert.equal(isDbError(copy, "busy"), true);
  assert.equal(isDbError(copy, "connection"), false);
  assert.equal(isDbError(Object.assign(new Error("z"), { name: "DbError" })), false);
  assert.equal(isDbError(Object.assign(new Error("z"), { kind: "busy" })), false);
  assert.equal(isDbError({ name: "DbError", kind: "busy", message: "not an Error" }), false);
  assert.equal(isDbError(null), false);
  assert.equal(isDbError("DbError"), false);
});

Deno.test("errors: writeTarget reads the table of INSERT, REPLACE, UPDATE and DELETE", () => {
  const cases: [string, string | undefined][] = [
    ["INSERT INTO items (a) VALUES (1)", "items"],
    ["  insert\n\tinto  items_2 VALUES (1)", "items_2"],
    ["INSERT  OR  IGNORE  INTO  items VALUES (1)", "items"],
    ["INSERT OR REPLACE INTO main.items VALUES (1)", "main.items"],
    ["REPLACE  INTO items VALUES (1)", "items"],
    ["UPDATE  items SET a = 1", "items"],
    ["UPDATE  OR  ROLLBACK  items SET a = 1", "items"],
    ["DELETE  FROM  items WHERE a = 1", "items"],
    ['INSERT INTO "items" VALUES (1)', "items"],
    ["INSERT INTO `items` VALUES (1)", "items"],
    ["INSERT INTO [items] VALUES (1)", "items"],
    ["-- why\n-- and how\nINSERT INTO items VALUES (1)", "items"],
    ["/* a\n  multi-line */INSERT INTO items VALUES (1)", "items"],
    ["/* a */ INSERT INTO items VALUES (1) /* b */", "items"],
    ["  -- indented\n  /* then */\n  DELETE FROM items", "items"],
    ["SELECT 'insert into x' AS s", undefined],
    ["INSERTINTO items", undefined],
    ["INSERT INTO", undefined],
    ["", undefined],
    [undefined as unknown as string, undefined],
  ];
  for (const [sql, table] of cases) assert.equal(writeTarget(sql), table, JSON.stringify(sql));
});
