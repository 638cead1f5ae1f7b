/**
 * `$N` → `?N` rewriting, leaving literals, identifiers and comments alone.
 * @module
 */
import assert from "node:assert/strict";
import { toSqlitePlaceholders as t } from "./placeholders.ts";

Deno.test("placeholders: $N becomes ?N", () => {
  assert.equal(
    t("SELECT * FROM t WHERE a = $1 AND b = $2"),
    "SELECT * FROM t WHERE a = ?1 AND b = ?2",
  );
  assert.equal(t("VALUES ($10,$2)"), "VALUES (?10,?2)");
  assert.equal(t("SELECT 1"), "SELECT 1");
});

Deno.test("placeholders: $ inside literals, quoted identifiers and comments stays", () => {
  assert.equal(t("SELECT '$1', 'it''s $2', $1"), "SELECT '$1', 'it''s $2', ?1");
  assert.equal(
    t(`SELECT "col$1", \`x$2\`, [y$3] FROM t WHERE a = $1`),
    `SELECT "col$1", \`x$2\`, [y$3] FROM t WHERE a = ?1`,
  );
  assert.equal(t("SELECT $1 -- costs $2\n, $2"), "SELECT ?1 -- costs $2\n, ?2");
  assert.equal(t("SELECT /* $1 */ $1"), "SELECT /* $1 */ ?1");
});

Deno.test("placeholders: $ in identifiers and named parameters stays", () => {
  assert.equal(t("SELECT price$1 FROM t"), "SELECT price$1 FROM t");
  assert.equal(t("SELECT $name, $1x"), "SELECT $name, $1x");
  assert.equal(t("SELECT $"), "SELECT $");
});
