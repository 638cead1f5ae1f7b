/**
 * The MCP conformance suite (`@modelcontextprotocol/conformance` 0.1.16, server side) against
 * `/mcp` of `deno task dev`, with the known failures of dev/mcp/conformance-baseline.yml: a new
 * failure or a baseline entry that now passes fails the test. Opt-in (`MCP_CONFORMANCE=1`): it
 * downloads the suite from npm. See docs/mcp.md § Conformance.
 */
import { ok } from "node:assert/strict";
import { projectRoot } from "@core";
import { copyProject, startApp } from "./harness.ts";

/** The dev log line once /mcp is mounted (after boot, beside the watcher). */
const MCP_READY = /mcp: http:\/\/\S+\/mcp/;

Deno.test({
  name: "e2e mcp: the conformance suite passes but for its baseline (MCP_CONFORMANCE=1)",
  ignore: Deno.env.get("MCP_CONFORMANCE") !== "1",
  async fn() {
    const dir = await copyProject();
    const app = await startApp("dev", dir);
    await app.waitForLine(MCP_READY, 20_000);
    const out = await Deno.makeTempDir({ prefix: "mcp-conformance-" });
    try {
      const res = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-lock",
          "--allow-net=127.0.0.1,localhost",
          "--allow-read",
          `--allow-write=${out}`,
          "--allow-env",
          "--allow-sys",
          "npm:@modelcontextprotocol/conformance@0.1.16",
          "server",
          "--url",
          `${app.url}/mcp`,
          "--expected-failures",
          `${projectRoot}/dev/mcp/conformance-baseline.yml`,
          "-o",
          out,
        ],
        cwd: out,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
      ok(res.success, text.slice(-4000));
    } finally {
      await app.stop();
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(out, { recursive: true });
    }
  },
});
