/**
 * The instruments behind `GET /metrics`: HTTP request durations by method, route template and
 * status class, db statement durations by system and operation, and what other parts report
 * when scraped (requests in flight, the bus's counters per event, plugin states, memory). The
 * tools record into the series they hold; nothing here allocates per request or statement.
 * @module
 */
import type { StatusRegistry } from "@core";
import { DURATION_BUCKETS, Histogram, type Mirror } from "./histogram.ts";
import { Exposition, type Labels } from "./prometheus.ts";

/** Methods kept as they are; any other is `_OTHER` (OpenTelemetry's rule, bounding the series). */
const METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "TRACE",
  "CONNECT",
]);
/** Series past this many (route × method, or SQL texts) are counted under `_OTHER`. */
export const MAX_SERIES = 2000;
const OTHER = "_OTHER";

/** The request durations of one route template and method, one histogram per status class. */
export class RouteSeries {
  /** Index = status / 100 (1xx … 5xx); 0 for anything else. */
  readonly #byClass: (Histogram | undefined)[] = [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ];

  constructor(
    /** The request method as given (what a cached series is checked against). */
    readonly method: string,
    /** The route template, `undefined` when no route matched. */
    readonly route: string | undefined,
    /** OpenTelemetry's `http.server.request.duration`, when a provider is registered. */
    readonly mirror?: Mirror,
  ) {}

  /** Count one request answered with `status` after `seconds`. */
  observe(status: number, seconds: number): void {
    const k = status >= 100 && status < 600 ? (status / 100) | 0 : 0;
    (this.#byClass[k] ?? this.#make(k)).observe(seconds);
  }

  #make(k: number): Histogram {
    const h = this.#byClass[k] = new Histogram(DURATION_BUCKETS);
    if (this.mirror) {
      h.mirror = this.mirror;
      h.mirrorAttributes = {
        "http.request.method": this.method,
        ...(this.route !== undefined ? { "http.route": this.route } : {}),
        "http.response.status_class": k ? `${k}xx` : OTHER,
      };
    }
    return h;
  }

  /** Each status class with observations. */
  *classes(): Generator<[string, Histogram]> {
    for (let k = 0; k < 6; k++) {
      const h = this.#byClass[k];
      if (h) yield [k ? `${k}xx` : OTHER, h];
    }
  }
}

/** The bus's counters of one event name, as the event bus keeps them. */
export interface BusCounters {
  readonly published: number;
  readonly delivered: number;
  /** Attempts that threw, rejected or timed out (each retry counts). */
  readonly errors: number;
  /** Deliveries that failed for good. */
  readonly failed: number;
  readonly deadLettered: number;
  /** Deliveries skipped because the envelope was past its TTL. */
  readonly expired?: number;
}

/** What the tools record into and report through. */
export class Metrics {
  readonly #http = new Map<string, Map<string, RouteSeries>>();
  #httpCount = 0;
  #overflow: RouteSeries | undefined;
  readonly #db = new Map<string, Histogram>();
  readonly #dbBySql = new Map<string, Histogram>();
  /** Requests in flight now (the http tool reports it). */
  inflight: (() => number) | undefined;
  /** The bus's counters per event name (the event bus reports them). */
  bus: (() => Iterable<[string, BusCounters]>) | undefined;
  /** OpenTelemetry histograms the request and statement durations also go to, if any. */
  mirrors: { http: Mirror; db: Mirror } | undefined;

  /**
   * The series of requests with `method` to `route` (a template; `undefined` when none matched).
   * Keep it (the http tool caches it on the route): the lookup is for the first request.
   */
  series(method: string, route: string | undefined): RouteSeries {
    // Keyed by the label, never the raw method: made-up methods must not use up the series.
    const label = METHODS.has(method) ? method : OTHER;
    const key = route ?? "";
    let byMethod = this.#http.get(key);
    let s = byMethod?.get(label);
    if (s) return s;
    if (this.#httpCount >= MAX_SERIES) return this.#overflow ??= new RouteSeries(OTHER, OTHER);
    if (!byMethod) this.#http.set(key, byMethod = new Map());
    s = new RouteSeries(label, route, this.mirrors?.http);
    byMethod.set(label, s);
    this.#httpCount++;
    return s;
  }

  /**
   * The histogram of statements with this SQL text on `system` (`sqlite`, `postgresql`): by the
   * statement's operation (its first word: `SELECT`, `INSERT`, …). Looked up by the text itself,
   * so a repeated statement costs one map lookup.
   */
  statement(system: string, sql: string): Histogram {
    const h = this.#dbBySql.get(sql);
    if (h) return h;
    const op = /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? OTHER;
    const key = `${system} ${op}`;
    let byOp = this.#db.get(key);
    if (!byOp) {
      this.#db.set(key, byOp = new Histogram(DURATION_BUCKETS));
      if (this.mirrors) {
        byOp.mirror = this.mirrors.db;
        byOp.mirrorAttributes = { "db.system.name": system, "db.operation.name": op };
      }
    }
    if (this.#dbBySql.size < MAX_SERIES) this.#dbBySql.set(sql, byOp);
    return byOp;
  }

  /** The Prometheus text exposition of everything, with plugin states from `status`. */
  render(status?: StatusRegistry): string {
    const out = new Exposition();
    const seen = new Set<RouteSeries>();
    const all = [...this.#http.values()].flatMap((m) => [...m.values()]);
    if (this.#overflow) all.push(this.#overflow);
    out.family(
      "http_server_request_duration_seconds",
      "histogram",
      "Duration of HTTP server requests (OpenTelemetry http.server.request.duration).",
    );
    for (const s of all) {
      if (seen.has(s)) continue;
      seen.add(s);
      for (const [cls, h] of s.classes()) {
        const labels: [string, string][] = [["http_request_method", s.method]];
        if (s.route !== undefined) labels.push(["http_route", s.route]);
        labels.push(["http_response_status_class", cls]);
        out.histogram("http_server_request_duration_seconds", labels, h);
      }
    }
    out.family(
      "http_server_active_requests",
      "gauge",
      "HTTP requests in flight (OpenTelemetry http.server.active_requests).",
    ).sample("http_server_active_requests", [], this.inflight?.() ?? 0);
    out.family(
      "db_client_operation_duration_seconds",
      "histogram",
      "Duration of database statements (OpenTelemetry db.client.operation.duration).",
    );
    for (const [key, h] of this.#db) {
      const [system, op] = key.split(" ");
      out.histogram("db_client_operation_duration_seconds", [
        ["db_system_name", system],
        ["db_operation_name", op],
      ], h);
    }
    this.#renderBus(out);
    if (status) renderStatus(out, status);
    renderMemory(out);
    return out.text();
  }

  #renderBus(out: Exposition): void {
    const rows = [...this.bus?.() ?? []];
    const dest = (name: string): Labels => [
      ["messaging_system", "microcore"],
      ["messaging_destination_name", name],
    ];
    const counter = (name: string, help: string, value: (c: BusCounters) => number) => {
      out.family(name, "counter", help);
      for (const [event, c] of rows) out.sample(name, dest(event), value(c));
    };
    counter(
      "messaging_client_sent_messages_total",
      "Events published, per event name (OpenTelemetry messaging.client.sent.messages).",
      (c) => c.published,
    );
    counter(
      "messaging_client_consumed_messages_total",
      "Deliveries a subscriber handled, per event name (OpenTelemetry messaging.client.consumed.messages).",
      (c) => c.delivered,
    );
    counter(
      "microcore_bus_delivery_failures_total",
      "Deliveries that failed for good (after every retry), per event name.",
      (c) => c.failed,
    );
    counter(
      "microcore_bus_delivery_retries_total",
      "Delivery attempts that failed and were tried again, per event name.",
      (c) => Math.max(0, c.errors - c.failed),
    );
    counter(
      "microcore_bus_dead_letters_total",
      "Dead letters sent (_dlq.<name>), per event name.",
      (c) => c.deadLettered,
    );
    counter(
      "microcore_bus_expired_total",
      "Deliveries skipped because the event was past its TTL, per event name.",
      (c) => c.expired ?? 0,
    );
  }
}

function renderStatus(out: Exposition, status: StatusRegistry): void {
  const entries = status.list();
  const states = new Map<string, number>();
  for (const e of entries) {
    const key = `${e.kind}\0${e.state}`;
    states.set(key, (states.get(key) ?? 0) + 1);
  }
  out.family("microcore_components", "gauge", "Tools and plugins, by kind and lifecycle state.");
  for (const [key, n] of states) {
    const [kind, state] = key.split("\0");
    out.sample("microcore_components", [["kind", kind], ["state", state]], n);
  }
  const summary = status.summary();
  out.family("microcore_reloads_total", "counter", "Hot reloads since the process started (dev).")
    .sample("microcore_reloads_total", [], Number(summary.reloads ?? 0));
  out.family(
    "microcore_reload_failures_total",
    "counter",
    "Plugin loads in dev that failed since the process started (the old version kept serving).",
  ).sample("microcore_reload_failures_total", [], Number(summary.reloadFailures ?? 0));
  const plugins = entries.filter((e) => e.kind === "plugin");
  out.family(
    "microcore_plugin_reloads_total",
    "counter",
    "Successful reloads of each plugin since the process started.",
  );
  for (const p of plugins) {
    out.sample("microcore_plugin_reloads_total", [["plugin", p.id]], p.reloads ?? 0);
  }
  out.family(
    "microcore_plugin_load_duration_seconds",
    "gauge",
    "How long each plugin's last load or reload took (a failed reload leaves it stale).",
  );
  for (const p of plugins) {
    if (p.loadMs !== undefined) {
      out.sample("microcore_plugin_load_duration_seconds", [["plugin", p.id]], p.loadMs / 1000);
    }
  }
}

function renderMemory(out: Exposition): void {
  const m = Deno.memoryUsage();
  out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
    .sample("process_resident_memory_bytes", [], m.rss);
  out.family("deno_memory_heap_used_bytes", "gauge", "V8 heap used, in bytes.")
    .sample("deno_memory_heap_used_bytes", [], m.heapUsed);
  out.family("deno_memory_heap_total_bytes", "gauge", "V8 heap size, in bytes.")
    .sample("deno_memory_heap_total_bytes", [], m.heapTotal);
  out.family(
    "deno_memory_external_bytes",
    "gauge",
    "Memory of objects outside the V8 heap, in bytes.",
  )
    .sample("deno_memory_external_bytes", [], m.external);
}
