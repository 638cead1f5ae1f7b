/** Test helper: a throwaway project tree on disk (tools/, domains/) for kernel tests. */
export interface TempProject {
  root: string;
  write(rel: string, text: string): Promise<void>;
  remove(rel: string): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The URL of a core module, for fixture files that live outside the repo. */
export const coreUrl = (file: string) => new URL(`../${file}`, import.meta.url).href;

/** Creates a temp project with the given files (project-relative path → source). */
export async function tempProject(files: Record<string, string>): Promise<TempProject> {
  const root = await Deno.makeTempDir({ prefix: "microcore-test-" });
  const write = async (rel: string, text: string) => {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  };
  for (const [rel, text] of Object.entries(files)) await write(rel, text);
  return {
    root,
    write,
    remove: (rel) => Deno.remove(`${root}/${rel}`, { recursive: true }),
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

/**
 * Source of a fixture tool that records its lifecycle into `globalThis.__events` and keeps owned
 * registrations in an OwnedRegistry.
 */
export function recordingTool(
  name: string,
  opts: { dependsOn?: string[]; failSetup?: boolean } = {},
) {
  return `
import { OwnedRegistry } from "${coreUrl("owned.ts")}";
const ev = (globalThis.__events ??= []);
const reg = new OwnedRegistry();
export default {
  name: ${JSON.stringify(name)},
  dependsOn: ${JSON.stringify(opts.dependsOn ?? [])},
  reg,
  setup() { ev.push("setup:${name}"); ${
    opts.failSetup ? `throw new Error("${name} cannot start");` : ""
  } },
  forOwner(owner) { return { owner, add: (x) => reg.add(owner, x), live: () => reg.live() }; },
  activate(owner) { reg.activate(owner); },
  release(id, gen) { reg.release(id, gen); },
  onBootComplete() { ev.push("bootComplete:${name}"); },
  async quiesce() { ev.push("quiesce:${name}"); },
  shutdown() { ev.push("shutdown:${name}"); },
};
`;
}

/** Source of a fixture plugin asking for `tools`, registering `item` with the first one. */
export function plugin(tools: string[], item: string, opts: { throwInBoot?: boolean } = {}) {
  const [first] = tools;
  return `
const ev = (globalThis.__events ??= []);
export default class {
  constructor(${tools.join(", ")}) { this.t = ${
    first ?? "undefined"
  }; ev.push("construct:${item}"); }
  onBoot() {
    ev.push("boot:${item}");
    ${opts.throwInBoot ? `throw new Error("boom in ${item}");` : ""}
    this.t?.add?.(${JSON.stringify(item)});
  }
  shutdown() { ev.push("shutdown:${item}"); }
}
`;
}
