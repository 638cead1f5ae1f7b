/**
 * The AI_CONTEXT.md generator: a map of the project for AI assistants (and people), generated
 * from the running code, never edited by hand.
 *
 * @example
 * ```ts
 * import { generateContext } from "./dev/context/mod.ts";
 * const markdown = await generateContext({ root: Deno.cwd() }); // boots a test-mode kernel
 * ```
 * @module
 */
import { Kernel, type LogSink } from "@core";
import { collect, type ContextModel } from "./collect.ts";
import { render } from "./render.ts";
import type { DocRunner, ToolApi } from "./tool_api.ts";

export { collect, type ContextModel } from "./collect.ts";
export { HEADER, render } from "./render.ts";
export { type ApiMember, readToolApis, type ToolApi } from "./tool_api.ts";

/** The generated file, relative to the project root. */
export const CONTEXT_FILE = "AI_CONTEXT.md";

/** Options of {@link generateContext}. */
export interface GenerateOptions {
  /** Absolute project root. */
  root: string;
  /** A booted kernel to read (dev mode passes its live one); else one is booted in test mode. */
  kernel?: Kernel;
  /** Replaces the `deno doc` subprocess (tests). */
  docRunner?: DocRunner;
  /** Tool APIs kept between runs (they only change with a restart). */
  apiCache?: Map<string, ToolApi>;
  /** Where the kernel booted here logs warnings and errors. Default: stderr. */
  log?: LogSink;
}

/**
 * Boots the project in test mode (no listener, in-memory database). Each kernel makes its own
 * tool instances, so this can be done more than once in a process.
 */
export async function bootForContext(root: string, log: LogSink = stderrSink): Promise<Kernel> {
  const kernel = new Kernel({ root, mode: "test", log });
  await kernel.boot();
  return kernel;
}

/** Reads the project (booting a test-mode kernel unless one is given) into the model. */
export async function contextModel(opts: GenerateOptions): Promise<ContextModel> {
  if (opts.kernel) return await collect(opts.kernel, opts);
  const kernel = await bootForContext(opts.root, opts.log);
  try {
    return await collect(kernel, opts);
  } finally {
    await kernel.shutdown(2000);
  }
}

/** Generates the text of AI_CONTEXT.md. */
export async function generateContext(opts: GenerateOptions): Promise<string> {
  return render(await contextModel(opts));
}

/** Writes `text` to AI_CONTEXT.md unless it already holds exactly that; true when written. */
export async function writeIfChanged(root: string, text: string): Promise<boolean> {
  const path = `${root}/${CONTEXT_FILE}`;
  const old = await Deno.readTextFile(path).catch(() => undefined);
  if (old === text) return false;
  await Deno.writeTextFile(path, text);
  return true;
}

/**
 * For dev mode: a function that regenerates AI_CONTEXT.md from the live kernel and writes it
 * when its content changed. Never throws (a failure is logged); runs one at a time.
 */
export function contextUpdater(kernel: Kernel): () => Promise<void> {
  const apiCache = new Map<string, ToolApi>();
  let running = Promise.resolve();
  return () => {
    running = running.then(async () => {
      try {
        const text = await generateContext({ root: kernel.root, kernel, apiCache });
        if (await writeIfChanged(kernel.root, text)) {
          kernel.log.info(`${CONTEXT_FILE} updated (~${Math.round(text.length / 4)} tokens)`);
        }
      } catch (err) {
        kernel.log.warn(`${CONTEXT_FILE} not updated: ${err instanceof Error ? err.message : err}`);
      }
    });
    return running;
  };
}

const stderrSink: LogSink = {
  debug: () => {},
  info: () => {},
  warn: (m) => console.error(`[context] ${m}`),
  error: (m) => console.error(`[context] ${m}`),
};
