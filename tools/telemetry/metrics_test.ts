import assert from "node:assert/strict";
import { Histogram } from "./histogram.ts";
import { MAX_SERIES, Metrics } from "./metrics.ts";
import { escapeLabel, Exposition } from "./prometheus.ts";

Deno.test("Histogram: a value on a bound falls in that bucket; rendered cumulative with +Inf", () => {
  const h = new Histogram([0.1, 1]);
  for (const v of [0.05, 0.1, 0.5, 2]) h.observe(v);
  assert.deepEqual([...h.counts], [2, 1, 1]);
  const text = new Exposition().family("x_seconds", "histogram", "h").histogram("x_seconds", [[
    "a",
    'q"\\\n',
  ]], h).text();
  assert.equal(
    text,
    [
      "# HELP x_seconds h",
      "# TYPE x_seconds histogram",
      'x_seconds_bucket{a="q\\"\\\\\\n",le="0.1"} 2',
      'x_seconds_bucket{a="q\\"\\\\\\n",le="1"} 3',
      'x_seconds_bucket{a="q\\"\\\\\\n",le="+Inf"} 4',
      'x_seconds_sum{a="q\\"\\\\\\n"} 2.65',
      'x_seconds_count{a="q\\"\\\\\\n"} 4',
      "",
    ].join("\n"),
  );
  assert.equal(escapeLabel("plain"), "plain");
});

Deno.test("Metrics.series: one per method and template; unknown methods are _OTHER; bounded", () => {
  const m = new Metrics();
  const a = m.series("GET", "/a/:id");
  assert.equal(m.series("GET", "/a/:id"), a);
  assert.notEqual(m.series("POST", "/a/:id"), a);
  assert.equal(m.series("BREW", "/a/:id"), m.series("PURGE", "/a/:id"));
  assert.equal(m.series("BREW", "/a/:id").method, "_OTHER");
  for (let i = 0; i < MAX_SERIES + 5; i++) m.series("GET", `/r${i}`);
  const over = m.series("GET", "/one-too-many");
  assert.equal(over.route, "_OTHER");
  assert.equal(m.series("GET", "/another"), over);
});

Deno.test("Metrics.statement: by system and first word of the SQL", () => {
  const m = new Metrics();
  const h = m.statement("sqlite", "  select 1");
  assert.equal(m.statement("sqlite", "SELECT 2"), h);
  assert.notEqual(m.statement("sqlite", "INSERT INTO t VALUES (1)"), h);
  h.observe(0.001);
  assert.match(
    m.render(),
    /^db_client_operation_duration_seconds_count\{db_system_name="sqlite",db_operation_name="SELECT"\} 1$/m,
  );
});

Deno.test("Metrics.series: made-up methods share one _OTHER series and use up nothing", () => {
  const m = new Metrics();
  for (let i = 0; i < MAX_SERIES + 100; i++) m.series(`X${i}`, "/products/:id");
  const s = m.series("GET", "/products/:id");
  assert.equal(s.method, "GET", "a real route and method still get their own series");
  assert.equal(s.route, "/products/:id");
  assert.equal(m.series("X1", "/products/:id"), m.series("FOO", "/products/:id"));
});
