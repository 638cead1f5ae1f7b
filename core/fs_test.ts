import { equal, rejects, throws } from "node:assert/strict";
import { exists, existsSync, pathOf } from "./fs.ts";
import { tempProject } from "./testdata/project.ts";

Deno.test("exists: a file, a folder and a broken symlink exist; a missing path does not", async () => {
  await using p = await tempProject({ "a/file.txt": "x" });
  await Deno.symlink(`${p.root}/nowhere`, `${p.root}/broken`);
  for (const rel of ["a/file.txt", "a", "broken"]) {
    equal(await exists(`${p.root}/${rel}`), true, rel);
    equal(existsSync(`${p.root}/${rel}`), true, rel);
  }
  equal(await exists(`${p.root}/missing`), false);
  equal(existsSync(`${p.root}/missing`), false);
  // Once it is gone, it is gone (nothing is cached).
  await p.remove("a/file.txt");
  equal(await exists(`${p.root}/a/file.txt`), false);
  equal(existsSync(`${p.root}/a/file.txt`), false);
});

Deno.test("exists: an error other than NotFound is thrown, not read as absent", async () => {
  await using p = await tempProject({ "file.txt": "x" });
  // A path through a file: NotADirectory, which says the project is not what we think it is.
  await rejects(exists(`${p.root}/file.txt/below`), Deno.errors.NotADirectory);
  throws(() => existsSync(`${p.root}/file.txt/below`), Deno.errors.NotADirectory);
});

Deno.test("pathOf: the decoded path of a file URL, without a trailing slash", () => {
  equal(pathOf("file:///srv/my%20app/"), "/srv/my app");
  equal(pathOf(new URL("file:///srv/a%23b/x.ts")), "/srv/a#b/x.ts");
});
