import { equal } from "node:assert/strict";
import { parseWrk } from "./wrk.ts";

const REPORT = `Running 5s test @ http://127.0.0.1:8000/hello
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   310.12us  120.40us   9.87ms   91.00%
    Req/Sec    98.20k     3.10k  104.00k    80.00%
  Latency Distribution
     50%  250.00us
     75%  300.00us
     90%  400.00us
     99%    1.20ms
  488520 requests in 5.00s, 80.14MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  97704.00
Transfer/sec:     16.03MB
`;

Deno.test("parseWrk reads throughput, latency percentiles in ms and every kind of error", () => {
  const r = parseWrk(REPORT);
  equal(r.rps, 97704);
  equal(r.requests, 488520);
  equal(r.seconds, 5);
  equal(r.p50, 0.25);
  equal(r.p99, 1.2);
  equal(r.socketErrors, 3);
  equal(r.non2xx, 7);
});

Deno.test("parseWrk reports no errors when wrk printed none", () => {
  const r = parseWrk(REPORT.replace(/ {2}Socket errors.*\n {2}Non-2xx.*\n/, ""));
  equal(r.socketErrors, 0);
  equal(r.non2xx, 0);
});
