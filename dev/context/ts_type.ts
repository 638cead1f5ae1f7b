/**
 * Renders the type nodes of `deno doc --json` back to compact TypeScript, so that the signatures
 * in AI_CONTEXT.md come from the source itself.
 * @module
 */

// `deno doc --json` nodes are loosely typed; only the fields used here are named.
// deno-lint-ignore no-explicit-any
export type DocNode = any;

const list = (xs: DocNode[] | undefined, sep = ", ") => (xs ?? []).map(renderType).join(sep);

/** Renders one type node (`tsType`) as TypeScript source. */
export function renderType(t: DocNode): string {
  if (!t) return "unknown";
  const v = t.value;
  switch (t.kind) {
    case "keyword":
      return String(v);
    case "typeRef":
      return v.typeParams?.length ? `${v.typeName}<${list(v.typeParams)}>` : v.typeName;
    case "union":
      return list(v, " | ");
    case "intersection":
      return list(v, " & ");
    case "array": {
      const wrap = ["union", "intersection", "fnOrConstructor", "conditional", "typeOperator"];
      return wrap.includes(v?.kind) ? `(${renderType(v)})[]` : `${renderType(v)}[]`;
    }
    case "tuple":
      return `[${list(v)}]`;
    case "literal":
      return renderLiteral(v, t.repr);
    case "typeOperator":
      return `${v.operator} ${renderType(v.tsType)}`;
    case "parenthesized":
      return `(${renderType(v)})`;
    case "optional":
      return `${renderType(v)}?`;
    case "rest":
      return `...${renderType(v)}`;
    case "fnOrConstructor":
      return `${v.constructor ? "new " : ""}${typeParams(v.typeParams)}(${params(v.params)}) => ${
        renderType(v.tsType)
      }`;
    case "typeLiteral":
      return typeLiteral(v);
    case "indexedAccess":
      return `${renderType(v.objType)}[${renderType(v.indexType)}]`;
    case "typeQuery":
      return `typeof ${typeof v === "string" ? v : t.repr}`;
    case "this":
      return "this";
    case "infer":
      return `infer ${v.typeParam?.name}`;
    case "conditional":
      return `${renderType(v.checkType)} extends ${renderType(v.extendsType)} ? ${
        renderType(v.trueType)
      } : ${renderType(v.falseType)}`;
    case "typePredicate":
      return `${v.asserts ? "asserts " : ""}${v.param?.name ?? "this"}${
        v.type ? ` is ${renderType(v.type)}` : ""
      }`;
    case "importType":
      return `import("${v.specifier}")${v.qualifier ? `.${v.qualifier}` : ""}`;
    case "mapped":
      return `{ [${v.typeParam?.name} in ${renderType(v.typeParam?.constraint)}]: ${
        renderType(v.tsType)
      } }`;
    default:
      return stripAnsi(t.repr ?? "unknown");
  }
}

function renderLiteral(v: DocNode, repr: string | undefined): string {
  switch (v?.kind) {
    case "string":
      return JSON.stringify(v.string);
    case "number":
      return String(v.number);
    case "boolean":
      return String(v.boolean);
    case "bigInt":
      return `${v.string}n`;
    case "template":
      return `\`${stripAnsi(repr ?? "")}\``;
    default:
      return stripAnsi(repr ?? "unknown");
  }
}

function typeLiteral(v: DocNode): string {
  const parts: string[] = [];
  for (const p of v.properties ?? []) {
    parts.push(
      `${p.readonly ? "readonly " : ""}${p.name}${p.optional ? "?" : ""}: ${renderType(p.tsType)}`,
    );
  }
  for (const m of v.methods ?? []) {
    parts.push(
      `${m.name}${m.optional ? "?" : ""}(${params(m.params)}): ${renderType(m.returnType)}`,
    );
  }
  for (const s of v.callSignatures ?? []) {
    parts.push(`(${params(s.params)}): ${renderType(s.tsType)}`);
  }
  for (const s of v.indexSignatures ?? []) {
    parts.push(`[${params(s.params)}]: ${renderType(s.tsType)}`);
  }
  return parts.length ? `{ ${parts.join("; ")} }` : "{}";
}

/** Renders type parameters: names only (`<T, U>`), constraints left to the source. */
export function typeParams(tps: DocNode[] | undefined): string {
  return tps?.length ? `<${tps.map((p: DocNode) => p.name).join(", ")}>` : "";
}

/** Renders one parameter (`name?: Type`, `...rest: T[]`, `{ a, b }: Opts`). */
export function param(p: DocNode): string {
  const type = p.tsType ? `: ${renderType(p.tsType)}` : "";
  switch (p.kind) {
    case "identifier":
      return `${p.name}${p.optional ? "?" : ""}${type}`;
    case "rest":
      return `...${param(p.arg)}${type}`;
    case "assign":
      return `${param(p.left).replace(/:.*$/, "")}?${
        p.left?.tsType ? `: ${renderType(p.left.tsType)}` : type
      }`;
    case "object":
      return `{ ${(p.props ?? []).map((x: DocNode) => x.key ?? x.name ?? "…").join(", ")} }${type}`;
    case "array":
      return `[…]${type}`;
    default:
      return `${p.name ?? "arg"}${type}`;
  }
}

/** Renders a parameter list without the parentheses. */
export function params(ps: DocNode[] | undefined): string {
  return (ps ?? []).map(param).join(", ");
}

function stripAnsi(s: string): string {
  // deno-lint-ignore no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}
