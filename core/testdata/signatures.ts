// Plugin classes with the signatures that break naive parsers (awilix CLASSIC's known failures).
// deno-lint-ignore-file no-explicit-any
type Any = any;

export class Plain {
  constructor(http: Any, db: Any) {
    void http, db;
  }
}

export class WithDefaults {
  constructor(http: Any, cache: Any = new Map([["a,b", "(c)"]]), logger: Any = () => {}) {
    void http, cache, logger;
  }
}

export class WithComments {
  constructor(
    // the http tool, which is (for now) the only way in
    http: Any, /* db, not wanted */
    event_bus: Any, // trailing comment with a ) paren
  ) {
    void http, event_bus;
  }
}

export class ParameterProperties {
  constructor(private http: Any, public readonly db: Any, protected logger?: Any) {}
  use() {
    return [this.http, this.db, this.logger];
  }
}

export class Destructured {
  constructor({ http, db }: { http: Any; db: Any }) {
    void http, db;
  }
}

export class DestructuredWithDefaults {
  constructor({ http, state = undefined }: { http: Any; state?: Any } = {} as Any) {
    void http, state;
  }
}

export class Base {
  constructor(config: Any) {
    void config;
  }
}
export class Inherits extends Base {
  static describe() {
    return "constructor(evil, trap)";
  }
  method(x = "constructor(nope)") {
    return x;
  }
}

export class NoConstructor {
  onBoot() {}
}

export class MultiLine {
  constructor(
    http: Any,
    db: Any,
    logger: Any,
  ) {
    void http, db, logger;
  }
  ["construct" + "or"]() {}
}

export class RestParams {
  constructor(...tools: Any[]) {
    void tools;
  }
}
