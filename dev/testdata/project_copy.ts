/** Test helper: a throwaway copy of this project, and a way to run `deno` inside it. */
import { projectRoot as ROOT } from "@core";

const SKIP = new Set([".git", "data", ".microcore", "dist", "e2e", "node_modules", "coverage"]);

/** A copy of the project in a temp folder, removed on dispose. */
export interface ProjectCopy extends AsyncDisposable {
  root: string;
  /** Runs `deno <args>` in the copy; returns exit code and output. */
  deno(...args: string[]): Promise<{ code: number; out: string }>;
  read(rel: string): Promise<string>;
  write(rel: string, text: string): Promise<void>;
  remove(rel: string): Promise<void>;
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (SKIP.has(e.name)) continue;
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** Copies the project (without .git, data, build output) to a temp folder. */
export async function copyProject(): Promise<ProjectCopy> {
  const root = await Deno.makeTempDir({ prefix: "microcore-cli-" });
  await copyTree(ROOT, root);
  return {
    root,
    async deno(...args) {
      const out = await new Deno.Command("deno", {
        args,
        cwd: root,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
    },
    read: (rel) => Deno.readTextFile(`${root}/${rel}`),
    async write(rel, text) {
      const path = `${root}/${rel}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
    },
    remove: (rel) => Deno.remove(`${root}/${rel}`, { recursive: true }),
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}
