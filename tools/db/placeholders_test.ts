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
    t(`SELECT "col$1", \`x$2\`, [y$3], " $4", \` $5\`, [ $6] FROM t WHERE a = $1`),
    `SELECT "col$1", \`x$2\`, [y$3], " $4", \` $5\`, [ $6] FROM t WHERE a = ?1`,
  );
  assert.equal(t("SELECT $1 -- costs $2\n, $2"), "SELECT ?1 -- costs $2\n, ?2");
  assert.equal(t("SELECT /* $1 */ $1"), "SELECT /* $1 */ ?1");
});

Deno.test("placeholders: $ in identifiers and named parameters stays", () => {
  assert.equal(t("SELECT price$1 FROM t"), "SELECT price$1 FROM t");
  assert.equal(t("SELECT $name, $1x"), "SELECT $name, $1x");
  assert.equal(t("SELECT $"), "SELECT $");
});

Deno.test("placeholders: at the start and end, $0 and $9, next to operators", () => {
  assert.equal(t("$1"), "?1");
  assert.equal(t("$12 + $0 - $9 / $3*$4"), "?12 + ?0 - ?9 / ?3*?4");
  assert.equal(t("SELECT ($1),$2;"), "SELECT (?1),?2;");
  assert.equal(t("a=$1:$2@$3{$4}"), "a=?1:?2@?3{?4}");
});

Deno.test("placeholders: letters, digits, _, $ and non-ASCII before or after make it a name", () => {
  for (const c of ["0", "9", "A", "Z", "a", "z", "_", "$", "é", "\u0080"]) {
    assert.equal(t(`x ${c}$1`), `x ${c}$1`, `before: ${c}`);
    if (c < "0" || c > "9") assert.equal(t(`x $1${c} y`), `x $1${c} y`, `after: ${c}`);
  }
  // the characters just outside those ranges are not part of a name
  for (const c of ["/", ":", "@", "^", "{", "\u007f"]) {
    assert.equal(t(`x ${c}$1`), `x ${c}?1`, `before: ${c}`);
    assert.equal(t(`x $1${c} y`), `x ?1${c} y`, `after: ${c}`);
  }
});

Deno.test("placeholders: unterminated literals and comments run to the end", () => {
  assert.equal(t("SELECT $1, 'open $2"), "SELECT ?1, 'open $2");
  assert.equal(t('SELECT $1, "open $2'), 'SELECT ?1, "open $2');
  assert.equal(t("SELECT $1, [open $2"), "SELECT ?1, [open $2");
  assert.equal(t("SELECT $1 -- $2"), "SELECT ?1 -- $2");
  assert.equal(t("SELECT $1 /* $2"), "SELECT ?1 /* $2");
  // a comment ends at its own */, not at the / that opened it
  assert.equal(t("SELECT /*/ $1 */ $2"), "SELECT /*/ $1 */ ?2");
  assert.equal(t("SELECT $1 /**/ $2 -- \n $3"), "SELECT ?1 /**/ ?2 -- \n ?3");
  assert.equal(t("SELECT 1\n-- $1\n, $2"), "SELECT 1\n-- $1\n, ?2");
  assert.equal(t("SELECT 1 --\n$1"), "SELECT 1 --\n?1");
  assert.equal(t("SELECT '' || $1, \"\" || $2, [] || $3"), "SELECT '' || ?1, \"\" || ?2, [] || ?3");
});
