/**
 * MCP tools over the project's files: `scaffold` (what `deno task new` writes) and `run_tests`
 * (`deno test -P=test` on a plugin's or a domain's tests, failures as text).
 * @module
 */
import { z } from "zod";
import { plan } from "../../cli/new.ts";
import { denoBinary } from "../supervisor.ts";
import { defineTool, type McpDeps, type ToolDef } from "./server.ts";

/** Longest test run (ms) before it is stopped. */
const TEST_TIMEOUT_MS = 120_000;
/** Most characters of test output returned. */
const MAX_OUTPUT = 12_000;

/** Runs `deno <args>` in `root`, stopped after `timeoutMs`. */
export async function runDeno(
  root: string,
  args: string[],
  timeoutMs = TEST_TIMEOUT_MS,
): Promise<{ code: number; out: string }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    // By name when only `run: ["deno"]` is granted (the generated dev set), as the supervisor does.
    const out = await new Deno.Command(denoBinary(), {
      args,
      cwd: root,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
      signal: ac.signal,
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

/** `domains/<domain>` or `domains/<domain>/plugins/<name>_test.ts` for a plugin id or domain. */
export function testPath(target: string): string {
  const m = /^([a-z][a-z0-9_]*)(?:\/([a-z][a-z0-9_]*))?$/.exec(target);
  if (!m) {
    throw new Error(
      `target must be a domain (users) or a plugin id (users/create_user): ${target}`,
    );
  }
  return m[2] ? `domains/${m[1]}/plugins/${m[2]}_test.ts` : `domains/${m[1]}`;
}

/** The failures part of `deno test` output (from the first "ERRORS" line), else its tail. */
export function failuresOf(out: string): string {
  const i = out.indexOf(" ERRORS ");
  const text = i >= 0 ? out.slice(out.lastIndexOf("\n", i) + 1) : out;
  return text.length > MAX_OUTPUT ? `…${text.slice(-MAX_OUTPUT)}` : text;
}

/** The tools of this file. */
export function projectTools({ kernel, runDeno: run }: McpDeps): ToolDef[] {
  const root = kernel.root;
  const deno = run ?? ((args: string[]) => runDeno(root, args));
  return [
    defineTool({
      name: "scaffold",
      description:
        "Write new files as `deno task new` does: a plugin (domain/name, optional route " +
        "'POST /path' and event) with its test, a domain (folders and first migration) or a " +
        "tool. Never overwrites. With dry_run, returns the files without writing them. In dev " +
        "the new plugin is loaded a moment later (check with list_plugins).",
      input: {
        kind: z.enum(["plugin", "domain", "tool"]),
        name: z.string().describe("plugin: <domain>/<name>; domain or tool: <name>"),
        route: z.string().optional().describe('plugin only, e.g. "POST /orders"'),
        event: z.string().optional().describe("plugin only: event it publishes or reacts to"),
        dry_run: z.boolean().optional(),
      },
      run: async (a) => {
        const args = [a.kind, a.name];
        if (a.route) args.push("--route", a.route);
        if (a.event) args.push("--event", a.event);
        // Checked here (a bad name throws with what to fix); written by `deno task new` itself,
        // under its own permission set (the dev process may not write domains/).
        const files = plan(args);
        if (a.dry_run) return { files };
        const { code, out } = await deno(["task", "new", ...args]);
        if (code !== 0) {
          throw new Error(out.replace(/^.*Permissions in the config.*\n/gm, "").trim());
        }
        const written = [...out.matchAll(/^wrote (\S+)$/gm)].map((m) => m[1]);
        return { written, next: "the plugin is live a moment later in dev: list_plugins" };
      },
    }),
    defineTool({
      name: "run_tests",
      description:
        "Run a plugin's or a domain's tests (deno test -P=test) and get passed/failed and the " +
        "failures as text. target: users (a domain) or users/create_user (a plugin).",
      input: {
        target: z.string(),
        filter: z.string().optional().describe("only tests whose name contains this"),
      },
      run: async (a) => {
        const path = testPath(a.target);
        const args = ["test", "-P=test", "--no-check=remote", path];
        if (a.filter) args.splice(2, 0, "--filter", a.filter);
        const { code, out } = await deno(args);
        const summary = /(ok|FAILED) \| (\d+) passed.*?\| (\d+) failed/.exec(out);
        return {
          command: `deno ${args.join(" ")}`,
          ok: code === 0,
          passed: summary ? Number(summary[2]) : null,
          failed: summary ? Number(summary[3]) : null,
          output: code === 0 ? out.split("\n").slice(-4).join("\n") : failuresOf(out),
        };
      },
    }),
  ];
}
