import assert from "node:assert/strict";
import { downloadHint, notARuntime } from "./compile.ts";

// What deno compile 2.9.6 printed on a machine without access to dl.deno.land.
const OFFLINE = `Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip
error: Writing deno compile executable to temporary file 'dist/app.tmp-0829cbae885cb01b'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known`;

Deno.test("downloadHint: a failed runtime download says how to give deno compile a runtime", () => {
  const hint = downloadHint(OFFLINE, "x86_64-unknown-linux-gnu");
  assert.ok(hint);
  assert.match(hint, /could not download its runtime \(denort-x86_64-unknown-linux-gnu\.zip\)/);
  assert.match(
    hint,
    /curl -LO https:\/\/dl\.deno\.land\/release\/v2\.9\.6\/denort-x86_64-unknown-linux-gnu\.zip/,
  );
  assert.match(hint, /DENORT_BIN=\/path\/to\/denort deno task compile --target x86_64/);
});

Deno.test("downloadHint: other failures get no download hint", () => {
  assert.equal(downloadHint("error: TS2322 [ERROR]: Type 'string' is not assignable"), undefined);
  // The download line alone (it worked, something later failed) is not a download failure.
  assert.equal(
    downloadHint(
      "Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip\n" +
        "error: Permission denied (os error 13)",
    ),
    undefined,
  );
});

Deno.test("notARuntime: refuses the deno CLI, a missing file and a folder; accepts another binary", async () => {
  assert.match(
    (await notARuntime(Deno.execPath())) ?? "",
    /is the deno CLI, not the denort runtime: a binary built on it opens a REPL/,
  );
  assert.match((await notARuntime("/no/such/denort")) ?? "", /no such file/);
  assert.match((await notARuntime("/tmp")) ?? "", /is not a file/);
  // A binary that is not the deno CLI is let through (deno compile itself checks the rest).
  assert.equal(await notARuntime("/bin/true"), undefined);
});
