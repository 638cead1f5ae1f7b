import { deepEqual } from "node:assert/strict";
import { scanImports } from "./module_graph.ts";

const specs = (src: string) => scanImports(src).map((s) => s.spec);

Deno.test("scanImports: static, type, re-export, side effect and literal dynamic imports", () => {
  deepEqual(
    specs(`import a from "./a.ts";
import type { B } from '../b.ts';
export * from "./c.ts";
export * as d from "./d.ts";
export { e } from "./e.ts";
import "./f.ts";
const g = await import("./g.ts");
import x from "npm:zod";`),
    ["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts", "./f.ts", "./g.ts"],
  );
});

Deno.test("scanImports: multi-line names with comments, unicode names, doc comments before", () => {
  deepEqual(
    specs(`/** doc */ import { größe } from "./größe.ts";
import {
  Page, // paging
  /* the type */ type Product,
} from "../models/product.ts";`),
    ["./größe.ts", "../models/product.ts"],
  );
});

Deno.test("scanImports: commented-out imports and template strings are not imports", () => {
  deepEqual(
    specs(`/* import { old } from "../models/old.ts" */
// import x from "./gone.ts";
const doc = \`import y from "./nope.ts"\`;
const s = "import z from './not.ts'";
import { real } from "./real.ts";`),
    ["./real.ts"],
  );
});

Deno.test("scanImports: offsets point at the specifier text", () => {
  const src = `import {\n  a, // x\n} from "./a.ts";`;
  const [s] = scanImports(src);
  deepEqual(src.slice(s.start, s.end), "./a.ts");
});
