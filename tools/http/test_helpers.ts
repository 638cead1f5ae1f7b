/**
 * Test helpers for the http tool: owners, a set-up tool with a recording log, in-process calls.
 * @module
 */
import type { Owner } from "@core";
import { type LogLine, recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { HttpTool } from "./tool.ts";

/** An owner for tests: `<domain>/<name>` with a file path. */
export function owner(id: string, generation = 1): Owner {
  const [domain] = id.split("/");
  return { id, generation, domain, file: `domains/${domain}/plugins/${id.split("/")[1]}.ts` };
}

/** A fresh, set-up tool and its log. */
export function makeTool(): { tool: HttpTool; log: LogLine[] } {
  const log = recordingLog();
  const tool = new HttpTool();
  tool.setup(standaloneContext({ root: Deno.cwd(), log }));
  return { tool, log: log.lines };
}

/** Send a request to the tool in-process. */
export function call(
  tool: HttpTool,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    if (!("content-type" in headers)) {
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
  }
  return tool.fetch(new Request(`http://test.local${path}`, init));
}
