import assert from "node:assert/strict";
import { jsonLine, prettyLine } from "./format.ts";
import type { LogEntry } from "./types.ts";

const STACK =
  "Error: boom\n    at handler (domains/shop/plugins/pay.ts:12:11)\n    at run (x.ts:1:1)";

function entry(props: Record<string, unknown>): LogEntry {
  return {
    time: new Date(2026, 10, 29, 9, 5, 7, 42).getTime(),
    level: "error",
    owner: "http",
    category: ["http"],
    message: "GET /pay failed",
    props,
  };
}

Deno.test("prettyLine: a stack passed as text is printed below the line, a frame per line", () => {
  const text = prettyLine(entry({ plugin: "shop/pay", stack: STACK }), false);
  const [first, ...rest] = text.split("\n");
  assert.match(first, /GET \/pay failed plugin="?shop\/pay"?$/);
  assert.ok(!first.includes("stack="), first);
  assert.ok(!text.includes("\\n"), "no escaped newlines");
  assert.deepEqual(rest, [
    "    Error: boom",
    "        at handler (domains/shop/plugins/pay.ts:12:11)",
    "        at run (x.ts:1:1)",
  ]);
});

Deno.test("jsonLine keeps the stack as one JSON field (one record per line)", () => {
  const line = jsonLine(entry({ stack: STACK }));
  assert.ok(!line.includes("\n"));
  assert.equal(JSON.parse(line).props.stack, STACK);
});
