/**
 * PostgreSQL-style placeholders (`$1`, `$2`, …) → SQLite's numbered ones (`?1`, `?2`, …).
 * @module
 */

const DOLLAR = 36, DIGIT0 = 48, DIGIT9 = 57;

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ||
    c === 36 || c > 127;
}

/**
 * Rewrite every `$N` outside string literals, quoted identifiers and comments as `?N`.
 * A `$` that is part of an identifier (`price$1`) or not followed by digits stays as it is.
 *
 * @example
 * ```ts
 * toSqlitePlaceholders("SELECT '$1', x FROM t WHERE id = $1"); // "SELECT '$1', x FROM t WHERE id = ?1"
 * ```
 */
export function toSqlitePlaceholders(sql: string): string {
  if (sql.indexOf("$") < 0) return sql;
  let out = "";
  let last = 0;
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 39 || c === 34 || c === 96) { // ' " `
      const end = sql.indexOf(sql[i], i + 1);
      // A doubled quote is an escaped quote: the scan continues past both.
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (c === 91) { // [identifier]
      const end = sql.indexOf("]", i + 1);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) { // -- comment
      const end = sql.indexOf("\n", i + 2);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) { // /* comment */
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === DOLLAR && (i === 0 || !isIdentChar(sql.charCodeAt(i - 1)))) {
      let j = i + 1;
      while (j < n && sql.charCodeAt(j) >= DIGIT0 && sql.charCodeAt(j) <= DIGIT9) j++;
      if (j > i + 1 && (j === n || !isIdentChar(sql.charCodeAt(j)))) {
        out += sql.slice(last, i) + "?";
        last = i + 1;
      }
      i = j;
      continue;
    }
    i++;
  }
  return last === 0 ? sql : out + sql.slice(last);
}
