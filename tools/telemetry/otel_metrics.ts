/**
 * The metrics of `/metrics` also as OpenTelemetry instruments, exported over OTLP with the
 * spans when a meter provider is registered (`OTEL_DENO=true`): the request and statement
 * durations recorded as they happen (attributes made once per series), the rest observed when
 * the provider collects.
 * @module
 */
import { metrics as otelMetrics, type ObservableResult } from "@opentelemetry/api";
import { DURATION_BUCKETS } from "./histogram.ts";
import type { BusCounters, Metrics } from "./metrics.ts";
import { SCOPE } from "./otel.ts";

/** Point `m`'s histograms at OpenTelemetry ones and register the observed instruments. */
export function exportOverOtlp(m: Metrics): void {
  const meter = otelMetrics.getMeter(SCOPE);
  const advice = { explicitBucketBoundaries: [...DURATION_BUCKETS] };
  m.mirrors = {
    http: meter.createHistogram("http.server.request.duration", {
      unit: "s",
      description: "Duration of HTTP server requests.",
      advice,
    }),
    db: meter.createHistogram("db.client.operation.duration", {
      unit: "s",
      description: "Duration of database statements.",
      advice,
    }),
  };
  meter.createObservableUpDownCounter("http.server.active_requests", {
    description: "HTTP requests in flight.",
  }).addCallback((r) => r.observe(m.inflight?.() ?? 0));
  const bus = (name: string, description: string, pick: (c: BusCounters) => number) =>
    meter.createObservableCounter(name, { description }).addCallback((r: ObservableResult) => {
      for (const [event, c] of m.bus?.() ?? []) {
        r.observe(pick(c), {
          "messaging.system": SCOPE,
          "messaging.destination.name": event,
        });
      }
    });
  bus("messaging.client.sent.messages", "Events published.", (c) => c.published);
  bus("messaging.client.consumed.messages", "Deliveries handled.", (c) => c.delivered);
  bus("microcore.bus.delivery.failures", "Deliveries failed for good.", (c) => c.failed);
  bus("microcore.bus.dead_letters", "Dead letters sent.", (c) => c.deadLettered);
  meter.createObservableGauge("process.memory.usage", { unit: "By", description: "RSS." })
    .addCallback((r) => r.observe(Deno.memoryUsage().rss));
}
