/**
 * Spans through `@opentelemetry/api`, which Deno wires to its own providers with `OTEL_DENO=true`
 * (it instruments `Deno.serve` and `fetch` and exports over OTLP): the route template on the
 * request span, a span per db statement, bus publish and delivery spans (a delivery is a child of
 * its publish and linked to it, across instances through a W3C `traceparent`), reloads. When no
 * provider is registered the tools never reach this file: they check one field.
 * @module
 */
import {
  type Context,
  context,
  type Link,
  propagation,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";

/** The instrumentation scope of our spans. */
export const SCOPE = "microcore";

/** Whether a real tracer provider is registered (Deno's with `OTEL_DENO=true`, or an SDK's). */
export function tracingOn(): boolean {
  let p: TracerProvider = trace.getTracerProvider();
  if (p instanceof ProxyTracerProvider) p = p.getDelegate();
  return p.constructor?.name !== "NoopTracerProvider";
}

/** One span a tool began: it runs work inside it, then ends it (with the error, if any). */
export class SpanHandle {
  readonly #ctx: Context;
  constructor(readonly span: Span) {
    this.#ctx = trace.setSpan(context.active(), span);
  }
  /** Run `fn` with this span active (what it starts — statements, publishes — are its children). */
  run<R>(fn: () => R): R {
    return context.with(this.#ctx, fn);
  }
  /** End it; an error marks it failed. */
  end(error?: unknown): void {
    if (error !== undefined) {
      const e = error instanceof Error ? error : new Error(String(error));
      this.span.recordException(e);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    }
    this.span.end();
  }
}

const getter = {
  get: (c: Record<string, string>, k: string) => c[k],
  keys: (c: Record<string, string>) => Object.keys(c),
};
const setter = { set: (c: Record<string, string>, k: string, v: string) => void (c[k] = v) };

/** What the tools call when tracing is on. */
export class Tracing {
  readonly #tracer: Tracer = trace.getTracer(SCOPE);

  /**
   * Name the active request span after its route (`GET /users/:id`) and set `http.route` (the
   * server span Deno's `Deno.serve` instrumentation made). Nothing without one.
   */
  route(method: string, template: string): void {
    const span = trace.getActiveSpan();
    if (!span) return;
    span.updateName(`${method} ${template}`);
    span.setAttribute("http.route", template);
  }

  /** A client span for one statement: `db.query.text` is the SQL text (values are parameters). */
  statement(system: string, sql: string): SpanHandle {
    const op = /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? "SQL";
    return new SpanHandle(this.#tracer.startSpan(op, {
      kind: SpanKind.CLIENT,
      attributes: { "db.system.name": system, "db.operation.name": op, "db.query.text": sql },
    }));
  }

  /**
   * A producer span for publishing `name`, ended at once; returns its W3C `traceparent` for the
   * deliveries (in the message headers across instances).
   */
  publish(name: string, id: string, source: string): string | undefined {
    const span = this.#tracer.startSpan(`publish ${name}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": SCOPE,
        "messaging.operation.type": "send",
        "messaging.destination.name": name,
        "messaging.message.id": id,
        "microcore.plugin": source,
      },
    });
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier, setter);
    span.end();
    return carrier.traceparent;
  }

  /**
   * A consumer span for one delivery of `name` to `subscriber`: a child of the publish named by
   * `traceparent` (when given) and linked to it.
   */
  delivery(name: string, id: string, subscriber: string, traceparent?: string): SpanHandle {
    let parent = context.active();
    const links: Link[] = [];
    if (traceparent) {
      parent = propagation.extract(context.active(), { traceparent }, getter);
      const sc = trace.getSpanContext(parent);
      if (sc) links.push({ context: sc });
    }
    const span = this.#tracer.startSpan(`process ${name}`, {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        "messaging.system": SCOPE,
        "messaging.operation.type": "process",
        "messaging.destination.name": name,
        "messaging.message.id": id,
        "microcore.plugin": subscriber,
      },
    }, parent);
    return new SpanHandle(span);
  }

  /** A span for one request of `name` answered in this process by `responder`. */
  request(name: string, id: string, responder: string): SpanHandle {
    return new SpanHandle(this.#tracer.startSpan(`request ${name}`, {
      kind: SpanKind.INTERNAL,
      attributes: {
        "messaging.system": SCOPE,
        "messaging.operation.type": "process",
        "messaging.destination.name": name,
        "messaging.message.id": id,
        "microcore.plugin": responder,
      },
    }));
  }

  /** A span for a plugin (re)load that took `ms` and ended now (`ok` false: it failed). */
  reload(plugin: string, ms: number, ok: boolean, error?: string): void {
    const end = Date.now();
    const span = this.#tracer.startSpan(`reload ${plugin}`, {
      startTime: end - ms,
      attributes: { "microcore.plugin": plugin },
    });
    if (!ok) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end(end);
  }
}
