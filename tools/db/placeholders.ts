/**
 * PostgreSQL-style placeholders (`$1`, `$2`, …) → SQLite's numbered ones (`?1`, `?2`, …).
 * @module
 */

const DOLLAR = 36, DIGIT0 = 48, DIGIT9 = 57;

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ||
    c === 36 || c > 127;
}

/** The index just past the first `close` at or after `from`, or the end when there is none. */
function after(sql: string, close: string, from: number): number {
  const end = sql.indexOf(close, from);
  // Stryker disable next-line EqualityOperator: `from` is at least 1, so `end` is never 0
  return end < 0 ? sql.length : end + close.length;
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
  // Stryker disable next-line ConditionalExpression: a fast path; without a $ the scan finds nothing
  if (sql.indexOf("$") < 0) return sql;
  let out = "";
  let last = 0;
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 39 || c === 34 || c === 96) { // ' " `
      // A doubled quote is an escaped quote: the scan continues past both.
      i = after(sql, sql[i], i + 1);
      continue;
    }
    if (c === 91) { // [identifier]
      i = after(sql, "]", i + 1);
      continue;
    }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) { // -- comment
      i = after(sql, "\n", i + 2);
      continue;
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) { // /* comment */
      i = after(sql, "*/", i + 2);
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
  return out + sql.slice(last);
}
