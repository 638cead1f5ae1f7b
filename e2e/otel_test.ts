/**
 * OpenTelemetry end to end: the app runs with `OTEL_DENO=true` and exports to a local OTLP/HTTP
 * receiver (JSON, the real wire format); one request's trace holds Deno's server span named
 * after the route with `http.route`, and under it the db statements and the bus publish, whose
 * delivery is its child and linked to it, with its own statement.
 */
import assert from "node:assert/strict";
import { spawnProc } from "./proc.ts";

interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: KeyValue[];
  links?: { traceId: string; spanId: string }[];
}
interface OtlpPoint {
  attributes?: KeyValue[];
  count?: string | number;
  asInt?: string | number;
  asDouble?: number;
}
interface OtlpMetric {
  name: string;
  histogram?: { dataPoints: OtlpPoint[] };
  sum?: { dataPoints: OtlpPoint[] };
}
interface OtlpMetrics {
  resourceMetrics: { scopeMetrics: { metrics: OtlpMetric[] }[] }[];
}
interface OtlpTraces {
  resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const attr = (s: OtlpSpan, key: string) =>
  s.attributes?.find((a) => a.key === key)?.value.stringValue;

Deno.test("OTLP export: a request's span with its route, db statements, bus publish and delivery; the metrics too", async () => {
  const spans: OtlpSpan[] = [];
  const metrics: OtlpMetric[] = [];
  const types = new Set<string>();
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    types.add(req.headers.get("content-type") ?? "");
    if (path === "/v1/traces") {
      const body = await req.json() as OtlpTraces;
      for (const r of body.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
    } else if (path === "/v1/metrics") {
      const body = await req.json() as OtlpMetrics;
      for (const r of body.resourceMetrics) {
        for (const s of r.scopeMetrics) metrics.push(...s.metrics);
      }
    } else await req.body?.cancel();
    return Response.json({});
  });
  const app = spawnProc(Deno.execPath(), ["run", "-A", "e2e/otel_app.ts"], {
    env: {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.addr.port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "otel-e2e",
      OTEL_METRIC_EXPORT_INTERVAL: "200",
    },
  });
  try {
    const url = (await app.waitForLine(/^http:\/\/127\.0\.0\.1:\d+$/, 30_000)).trim();
    const res = await fetch(`${url}/orders/7`, { method: "POST" });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 700)); // the delivery, then a metrics export
  } finally {
    await app.stop(5000); // Deno flushes its exporter on exit
    await receiver.shutdown();
  }
  assert.ok(types.has("application/json"), [...types].join());
  const server = spans.find((s) => s.name === "POST /orders/:id");
  assert.ok(server, `no span named after the route in ${spans.map((s) => s.name).join(", ")}`);
  assert.equal(attr(server, "http.route"), "/orders/:id");
  const inTrace = spans.filter((s) => s.traceId === server.traceId);
  const children = inTrace.filter((s) => s.parentSpanId === server.spanId);
  const stmt = children.find((s) => s.name === "SELECT");
  assert.ok(stmt, `no statement under the request: ${children.map((s) => s.name).join(", ")}`);
  assert.equal(attr(stmt, "db.query.text"), "SELECT $1 AS id", "the SQL text, without the value");
  assert.equal(attr(stmt, "db.system.name"), "sqlite");
  assert.ok(children.some((s) => s.name === "request order.count"), "the request too");
  const publish = children.find((s) => s.name === "publish order.placed");
  assert.ok(publish, "the publish is a child of the request");
  const delivery = inTrace.find((s) => s.name === "process order.placed");
  assert.ok(delivery, "the delivery is in the same trace");
  assert.equal(delivery.parentSpanId, publish.spanId, "a child of its publish");
  assert.deepEqual(delivery.links?.map((l) => l.spanId), [publish.spanId], "and linked to it");
  assert.equal(attr(delivery, "messaging.destination.name"), "order.placed");
  const inner = inTrace.find((s) => s.parentSpanId === delivery.spanId);
  assert.equal(inner && attr(inner, "db.query.text"), "SELECT 2 AS delivered");

  // The instruments of /metrics went out over OTLP too.
  const point = (name: string, key: string, value: string) =>
    metrics.filter((m) => m.name === name)
      .flatMap((m) => (m.histogram ?? m.sum)?.dataPoints ?? [])
      .find((p) => p.attributes?.some((a) => a.key === key && a.value.stringValue === value));
  const req = point("http.server.request.duration", "http.route", "/orders/:id");
  assert.equal(Number(req?.count), 1, `metrics: ${metrics.map((m) => m.name).join(", ")}`);
  assert.ok(
    Number(point("db.client.operation.duration", "db.operation.name", "SELECT")?.count) >= 2,
  );
  const sent = point(
    "messaging.client.sent.messages",
    "messaging.destination.name",
    "order.placed",
  );
  assert.equal(Number(sent?.asInt ?? sent?.asDouble), 1);
});
