/**
 * Test helpers for the http tool: a fake ToolContext with a recording log sink.
 * @module
 */
import type { LogSink, Owner, ToolContext } from "@core/types.ts";
import { type LogLine, recordingLog, standaloneContext } from "@core/standalone.ts";
import { HttpToolImpl } from "./tool.ts";

export { type LogLine, recordingLog };

/** A minimal ToolContext (the kernel's is richer). */
export function fakeContext(log: LogSink, root = Deno.cwd()): ToolContext {
  return standaloneContext({ root, log });
}

/** An owner for tests: `<domain>/<name>` with a file path. */
export function owner(id: string, generation = 1): Owner {
  const [domain] = id.split("/");
  return { id, generation, domain, file: `domains/${domain}/plugins/${id.split("/")[1]}.ts` };
}

/** A fresh, set-up tool and its log. */
export function makeTool(): { tool: HttpToolImpl; log: LogLine[] } {
  const log = recordingLog();
  const tool = new HttpToolImpl();
  tool.setup(fakeContext(log));
  return { tool, log: log.lines };
}

/** Send a request to the tool in-process. */
export function call(
  tool: HttpToolImpl,
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
