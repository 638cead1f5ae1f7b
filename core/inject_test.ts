import { deepEqual as assertEquals, ok } from "node:assert/strict";
import { InjectionError, readInjection } from "./inject.ts";
import * as sig from "./testdata/signatures.ts";

const names = (c: Parameters<typeof readInjection>[0]) => readInjection(c).wants.map((w) => w.name);

Deno.test("inject: plain positional parameters", () => {
  assertEquals(readInjection(sig.Plain), {
    style: "positional",
    wants: [{ name: "http", optional: false }, { name: "db", optional: false }],
  });
});

Deno.test("inject: defaults with commas and parens are optional tools", () => {
  assertEquals(readInjection(sig.WithDefaults).wants, [
    { name: "http", optional: false },
    { name: "cache", optional: true },
    { name: "logger", optional: true },
  ]);
});

Deno.test("inject: comments (with parens and commas) are ignored", () => {
  assertEquals(names(sig.WithComments), ["http", "event_bus"]);
});

Deno.test("inject: TypeScript parameter properties", () => {
  assertEquals(names(sig.ParameterProperties), ["http", "db", "logger"]);
});

Deno.test("inject: destructured object form", () => {
  assertEquals(readInjection(sig.Destructured), {
    style: "object",
    wants: [{ name: "http", optional: false }, { name: "db", optional: false }],
  });
  assertEquals(readInjection(sig.DestructuredWithDefaults).wants, [
    { name: "http", optional: true },
    { name: "state", optional: true },
  ]);
});

Deno.test("inject: inherited constructor; static methods and strings mentioning constructor", () => {
  assertEquals(names(sig.Inherits), ["config"]);
});

Deno.test("inject: no constructor anywhere means no tools", () => {
  assertEquals(readInjection(sig.NoConstructor), { style: "positional", wants: [] });
});

Deno.test("inject: multi-line signature with blank lines, and a method named 'constructor'", () => {
  assertEquals(names(sig.MultiLine), ["http", "db", "logger"]);
});

Deno.test("inject: anonymous classes and class expressions", () => {
  const Anon = class {
    constructor(a: unknown, /* x */ b: unknown) {
      void a, b;
    }
  };
  assertEquals(names(Anon), ["a", "b"]);
});

// deno-lint-ignore no-explicit-any
type Any = any;
type Ctor = Parameters<typeof readInjection>[0];

/** The InjectionError `cls` is refused with. */
function refusal(cls: Ctor): string {
  try {
    readInjection(cls);
  } catch (err) {
    ok(err instanceof InjectionError);
    assertEquals(err.name, "InjectionError");
    return err.message;
  }
  throw new Error("not refused");
}

const UNSUPPORTED = "name each tool, e.g. constructor(http, db) or constructor({ http, db })";

Deno.test("inject: a parameter that names no tool (rest, array) is refused, saying what to write instead", () => {
  assertEquals(
    refusal(sig.RestParams),
    `unsupported constructor parameter (RestElement); ${UNSUPPORTED}`,
  );
  class ArrayParam {
    constructor([http, db]: Any[]) {
      void http, db;
    }
  }
  assertEquals(
    refusal(ArrayParam),
    `unsupported constructor parameter (ArrayPattern); ${UNSUPPORTED}`,
  );
  class ArrayWithDefault {
    constructor([http]: Any[] = []) {
      void http;
    }
  }
  assertEquals(
    refusal(ArrayWithDefault),
    `unsupported constructor parameter (AssignmentPattern); ${UNSUPPORTED}`,
  );
});

/** The message for a destructured parameter beside others: never suggests what it refused. */
const MIXED = "the constructor mixes a destructured parameter with others: use one form, " +
  "one parameter per tool, constructor(private http: Http, private db: Db), or a single " +
  "destructured one, constructor({ http, db }: { http: Http; db: Db })";

Deno.test("inject: the object form is one parameter; beside others it is refused", () => {
  class ObjectThenMore {
    constructor({ http }: Any, db: Any) {
      void http, db;
    }
  }
  assertEquals(refusal(ObjectThenMore), MIXED);
  class DefaultedObjectThenMore {
    constructor({ http }: Any = {}, db: Any) {
      void http, db;
    }
  }
  assertEquals(refusal(DefaultedObjectThenMore), MIXED);
  class MoreThenObject {
    constructor(http: Any, { db }: Any) {
      void http, db;
    }
  }
  assertEquals(refusal(MoreThenObject), MIXED);
});

Deno.test("inject: object form: a rest element or a computed key names no tool", () => {
  class ObjectRest {
    constructor({ http, ...rest }: Any) {
      void http, rest;
    }
  }
  assertEquals(refusal(ObjectRest), "a rest element (...rest) cannot name tools; list each tool");
  const key = "http";
  class Computed {
    constructor({ [key]: http }: Any) {
      void http;
    }
  }
  const computed = "computed property names cannot name tools; list each tool";
  assertEquals(refusal(Computed), computed);
  class NumericKey {
    constructor({ 0: http }: Any) {
      void http;
    }
  }
  assertEquals(refusal(NumericKey), computed);
});

Deno.test("inject: object form: quoted keys, renamed and defaulted properties", () => {
  class Mixed {
    constructor({ "event_bus": bus, http: server, db = null }: Any) {
      void bus, server, db;
    }
  }
  assertEquals(readInjection(Mixed), {
    style: "object",
    wants: [
      { name: "event_bus", optional: false },
      { name: "http", optional: false },
      { name: "db", optional: true },
    ],
  });
  assertEquals(readInjection(sig.DestructuredWithDefaults), {
    style: "object",
    wants: [{ name: "http", optional: true }, { name: "state", optional: true }],
  });
});

Deno.test("inject: one defaulted positional tool is optional, not an object", () => {
  class OneOptional {
    constructor(cache: Any = new Map()) {
      void cache;
    }
  }
  assertEquals(readInjection(OneOptional), {
    style: "positional",
    wants: [{ name: "cache", optional: true }],
  });
});

Deno.test("inject: a constructor may use module syntax (import.meta)", () => {
  class UsesImportMeta {
    dir: string | undefined;
    constructor(http: Any) {
      this.dir = import.meta.dirname;
      void http;
    }
  }
  assertEquals(names(UsesImportMeta), ["http"]);
});

Deno.test("inject: a function that is not a class is refused", () => {
  function Legacy(this: Any, http: Any) {
    this.http = http;
  }
  assertEquals(refusal(Legacy as unknown as Ctor), "the default export is not a class");
});

Deno.test("inject: the parser-free path reads the plain shape, and only it", () => {
  const pos = (...names: string[]) => ({
    style: "positional",
    wants: names.map((name) => ({ name, optional: false })),
  });
  // What TypeScript leaves of parameter properties: fields first, then plain names.
  class Fields {
    http;
    db;
    #own = 1;
    #bare;
    constructor(http: unknown, db: unknown) {
      this.http = http;
      this.db = db;
      this.#bare = this.#own;
    }
  }
  assertEquals(readInjection(Fields), pos("http", "db"));
  assertEquals(readInjection(class {}), pos());
  assertEquals(
    readInjection(
      class {
        constructor() {}
      },
    ),
    pos(),
  );
  // A field with a value mentions another "constructor(" before the real one: the parser decides.
  class Decoy {
    label = "constructor(fake)";
    constructor(real: unknown) {
      this.label = String(real);
    }
  }
  assertEquals(readInjection(Decoy), pos("real"));
  class Commented {
    constructor(http: unknown /* , fake */) {
      void http;
    }
  }
  assertEquals(readInjection(Commented), pos("http"));
});
