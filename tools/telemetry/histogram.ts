/**
 * A Prometheus-style histogram that allocates nothing when it observes: fixed bucket bounds,
 * one counter per bucket (cumulated only when rendered), a sum and a count.
 * @module
 */

/**
 * The bucket bounds OpenTelemetry's semantic conventions advise for `http.server.request.duration`
 * and `db.client.operation.duration`, in seconds.
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
];

/** Where a histogram's values also go (an OpenTelemetry histogram, when a provider is set). */
export interface Mirror {
  record(value: number, attributes: Readonly<Record<string, string>>): void;
}

/** Observations of one series. */
export class Histogram {
  /** Per bucket (not cumulative); the last one is `+Inf`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Also record each value there, with these attributes (made once per series). */
  mirror: Mirror | undefined;
  mirrorAttributes: Readonly<Record<string, string>> = {};

  constructor(readonly bounds: readonly number[] = DURATION_BUCKETS) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Count one value (`le` semantics: a value equal to a bound falls in that bucket). */
  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
    if (this.mirror) this.mirror.record(value, this.mirrorAttributes);
  }
}
