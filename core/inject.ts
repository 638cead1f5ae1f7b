/**
 * Which tools a plugin wants, read from its constructor signature with a real JavaScript parser
 * (acorn), without running any of its code.
 *
 * Supported signatures: `constructor(http, db)`, with defaults (`db = fallback`, optional),
 * comments, multi-line lists, TypeScript parameter properties (`private http: Http`, erased to a
 * plain name by the time the class exists), and the destructured form `constructor({ http, db })`.
 * @module
 */
import { parseExpressionAt } from "acorn";

/** One requested tool. */
export interface Wanted {
  /** Tool name (the parameter or destructured property name). */
  name: string;
  /** A default value exists, so the plugin still builds when the tool is missing. */
  optional: boolean;
}

/** How the constructor takes its tools. */
export interface Injection {
  /** `positional`: one argument per tool; `object`: one object with a property per tool. */
  style: "positional" | "object";
  wants: Wanted[];
}

const cache = new WeakMap<object, Injection>();

/** Thrown when a constructor signature cannot be mapped to tool names. */
export class InjectionError extends Error {
  override name = "InjectionError";
}

// deno-lint-ignore no-explicit-any
type Node = any;

function fromParam(param: Node): Wanted {
  if (param.type === "Identifier") return { name: param.name, optional: false };
  if (param.type === "AssignmentPattern" && param.left.type === "Identifier") {
    return { name: param.left.name, optional: true };
  }
  throw new InjectionError(
    [param.type, param.left?.type].includes("ObjectPattern")
      ? "the constructor mixes a destructured parameter with others: use one form, one parameter per tool, constructor(private http: Http, private db: Db), or a single destructured one, constructor({ http, db }: { http: Http; db: Db })"
      : `unsupported constructor parameter (${param.type}); name each tool, e.g. constructor(http, db) or constructor({ http, db })`,
  );
}

function fromObjectPattern(pattern: Node): Wanted[] {
  return pattern.properties.map((p: Node) => {
    if (p.type === "RestElement") {
      throw new InjectionError("a rest element (...rest) cannot name tools; list each tool");
    }
    const key = p.key.type === "Identifier" ? p.key.name : p.key.value;
    if (typeof key !== "string" || p.computed) {
      throw new InjectionError("computed property names cannot name tools; list each tool");
    }
    return { name: key, optional: p.value.type === "AssignmentPattern" };
  });
}

/** Plain fields (`http;`, `#x;`), then a constructor of plain names: read without acorn. */
const PLAIN =
  /^class(?:\s+[\w$]+)?(?:\s+extends\s+[\w$.]+)?\s*\{(?:\s*#?[\w$]+;)*\s*constructor\s*\(([\w$\s,]*)\)\s*\{/;

function constructorOf(source: string): Node | undefined {
  const plain = PLAIN.exec(source)?.[1].split(",").map((p) => p.trim()).filter(Boolean);
  if (plain) return { value: { params: plain.map((name) => ({ type: "Identifier", name })) } };
  // In parentheses a class declaration parses as an expression (acorn returns the class itself).
  const cls = parseExpressionAt(`(${source})`, 0, { ecmaVersion: "latest", sourceType: "module" });
  if (cls.type !== "ClassExpression") throw new InjectionError("the default export is not a class");
  return cls.body.body.find((m: Node) => m.kind === "constructor"); // only a constructor has it
}

/**
 * Reads the tools a plugin class wants from its constructor (or the nearest ancestor's, when it
 * declares none). Results are cached per class.
 */
export function readInjection(cls: abstract new (...args: never[]) => unknown): Injection {
  const hit = cache.get(cls);
  if (hit) return hit;
  let result: Injection = { style: "positional", wants: [] };
  for (let c: unknown = cls; typeof c === "function" && c !== Function.prototype;) {
    const ctor = constructorOf(Function.prototype.toString.call(c));
    if (ctor) {
      const params: Node[] = ctor.value.params;
      if (params.length === 1 && params[0].type === "ObjectPattern") {
        result = { style: "object", wants: fromObjectPattern(params[0]) };
      } else if (
        params.length === 1 && params[0].type === "AssignmentPattern" &&
        params[0].left.type === "ObjectPattern"
      ) {
        result = {
          style: "object",
          wants: fromObjectPattern(params[0].left).map((w) => ({ ...w, optional: true })),
        };
      } else {
        result = { style: "positional", wants: params.map(fromParam) };
      }
      break;
    }
    c = Object.getPrototypeOf(c);
  }
  cache.set(cls, result);
  return result;
}
