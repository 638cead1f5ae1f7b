/**
 * How the kit names the plugin under test: from its file, or from its class and the test that
 * boots it (the test's folder, the module beside it, the domain's migrations).
 */
import assert from "node:assert/strict";
import { projectRoot } from "@core";
import { bootPlugin, type PluginTest } from "./mod.ts";
import { callerUrl, fromClass, fromUrl, toUrl } from "./locate.ts";

const KIT = new URL("./", import.meta.url).href;

// ---- fromUrl: a file's identity -------------------------------------------------------------

Deno.test("fromUrl: a plugin file is named as the kernel names it", () => {
  const url = "file:///srv/app/domains/shop/plugins/create_order.ts";
  assert.deepEqual(fromUrl(url), {
    id: "shop/create_order",
    domain: "shop",
    file: "domains/shop/plugins/create_order.ts",
    root: "/srv/app",
    url,
  });
});

Deno.test("fromUrl: the project root is the folder above the last domains/, decoded", () => {
  const nested = "file:///home/me/domains/my%20app/domains/shop/plugins/buy.ts";
  assert.deepEqual(fromUrl(nested), {
    id: "shop/buy",
    domain: "shop",
    file: "domains/shop/plugins/buy.ts",
    root: "/home/me/domains/my app",
    url: nested,
  });
});

Deno.test("fromUrl: a test or helper beside plugins belongs to their domain", () => {
  const at = (name: string) => `file:///srv/app/domains/shop/plugins/${name}`;
  const beside = (name: string, id: string) => ({
    id,
    domain: "shop",
    file: `domains/shop/plugins/${name}`,
    root: "/srv/app",
    url: at(name),
  });
  assert.deepEqual(
    fromUrl(at("create_order_test.ts")),
    beside("create_order_test.ts", "shop/create_order_test"),
  );
  assert.deepEqual(
    fromUrl(at("create_order.test.ts")),
    beside("create_order.test.ts", "shop/create_order.test"),
  );
  assert.deepEqual(fromUrl(at("_fixtures.ts")), beside("_fixtures.ts", "shop/_fixtures"));
});

Deno.test("fromUrl: anything else is in the test domain of this project", () => {
  const scratch = "file:///tmp/scratch_test.ts";
  assert.deepEqual(fromUrl(scratch), {
    id: "test/scratch_test",
    domain: "test",
    file: "/tmp/scratch_test.ts",
    root: projectRoot,
    url: scratch,
  });
  // A subfolder of plugins/ holds no plugins, and so no test beside them.
  const sub = "file:///srv/app/domains/shop/plugins/helpers/money_test.ts";
  assert.deepEqual(fromUrl(sub), {
    id: "test/money_test",
    domain: "test",
    file: "/srv/app/domains/shop/plugins/helpers/money_test.ts",
    root: projectRoot,
    url: sub,
  });
  // Only a folder named exactly `domains` holds domains.
  const lookalike = "file:///srv/mydomains/shop/plugins/buy_test.ts";
  assert.deepEqual(fromUrl(lookalike), {
    id: "test/buy_test",
    domain: "test",
    file: "/srv/mydomains/shop/plugins/buy_test.ts",
    root: projectRoot,
    url: lookalike,
  });
});

// ---- toUrl: what a test passes ---------------------------------------------------------------

Deno.test("toUrl: a URL stays itself; a path resolves from the working directory", () => {
  assert.equal(
    toUrl(new URL("file:///srv/app/domains/shop/plugins/a.ts")),
    "file:///srv/app/domains/shop/plugins/a.ts",
  );
  assert.equal(
    toUrl("file:///srv/app/domains/shop/plugins/a.ts"),
    "file:///srv/app/domains/shop/plugins/a.ts",
  );
  const cwd = Deno.cwd();
  assert.equal(toUrl("domains/shop/plugins/a.ts"), `file://${cwd}/domains/shop/plugins/a.ts`);
  assert.equal(toUrl("./a.ts"), `file://${cwd}/a.ts`);
  assert.equal(toUrl("../a.ts"), `file://${cwd.slice(0, cwd.lastIndexOf("/"))}/a.ts`);
});

// ---- callerUrl: who called the kit -----------------------------------------------------------

Deno.test("callerUrl: the first frame outside the kit, or a kit test", () => {
  const stack = [
    "Error",
    `    at callerUrl (${KIT}locate.ts:51:20)`,
    `    at bootPlugin (${KIT}boot_plugin.ts:212:18)`,
    "    at ext:core/01_core.js:123:45",
    "    at Object.fn (file:///srv/app/domains/shop/plugins/buy_test.ts:14:25)",
    "    at file:///srv/app/other_test.ts:3:1",
  ].join("\n");
  assert.equal(callerUrl(stack), "file:///srv/app/domains/shop/plugins/buy_test.ts");
  assert.equal(
    callerUrl(`    at bootPlugin (${KIT}boot_plugin.ts:212:18)\n    at file:///srv/a_test.ts:9:5`),
    "file:///srv/a_test.ts",
  );
  // A test of the kit itself is a caller like any other.
  assert.equal(
    callerUrl(`    at bootPlugin (${KIT}boot_plugin.ts:1:1)\n    at (${KIT}bus_test.ts:30:12)`),
    `${KIT}bus_test.ts`,
  );
  assert.equal(
    callerUrl(`    at bootPlugin (${KIT}boot_plugin.ts:1:1)\n    at ext:a.js:1:1`),
    undefined,
  );
  assert.equal(callerUrl(""), undefined);
  // Without a stack given: the current one, whose first caller is this test.
  assert.equal(callerUrl(), import.meta.url);
});

// ---- fromClass and bootPlugin: a project on disk ---------------------------------------------

/**
 * A throwaway project whose root sits in a folder itself named `domains/`: a `notes` domain with
 * a migration and plugins, a test module beside them that boots them, and files that are not
 * plugins (a helper, a subfolder, a symlink, a module that throws, a `lib/` folder).
 */
async function notesProject() {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "kit-locate-" }));
  const root = `${tmp}/domains/app`;
  const files: Record<string, string> = {
    "domains/notes/migrations/001_notes.sql":
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);\n",
    "domains/notes/plugins/add_note.ts": "export default class NewNotePlugin {}\n",
    "domains/notes/plugins/list_notes.ts":
      "export class ListNotesPlugin {}\nexport const routes = ['/notes'];\n",
    "domains/notes/plugins/broken.ts": 'throw new Error("broken on import");\n',
    "domains/notes/plugins/_shared.ts": "export class SharedHelper {}\n",
    "domains/notes/plugins/sub/nested.ts": "export default class NestedPlugin {}\n",
    "domains/notes/plugins/add_note_test.ts": [
      `import { bootPlugin } from "${KIT}mod.ts";`,
      'import NewNotePlugin from "./add_note.ts";',
      "export class LocalPlugin {}",
      "export const bootAddNote = () => bootPlugin(NewNotePlugin);",
      "export const bootLocal = () => bootPlugin(LocalPlugin);",
      "",
    ].join("\n"),
    "lib/linked.ts": "export default class LinkedPlugin {}\n",
    "lib/thing.ts": "export default class ThingPlugin {}\n",
    "lib/other.ts": "export default class OtherPlugin {}\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
  await Deno.symlink(`${root}/lib/linked.ts`, `${root}/domains/notes/plugins/linked.ts`);
  const url = (rel: string) => `file://${root}/${rel}`;
  // deno-lint-ignore no-explicit-any
  const load = async (rel: string): Promise<any> => await import(url(rel));
  return {
    root,
    url,
    load,
    plugins: (name: string) => url(`domains/notes/plugins/${name}`),
    [Symbol.asyncDispose]: () => Deno.remove(tmp, { recursive: true }),
  };
}

Deno.test("fromClass: the module beside the calling test, then the folder's other plugins", async () => {
  await using p = await notesProject();
  const { default: NewNotePlugin } = await p.load("domains/notes/plugins/add_note.ts");
  const { ListNotesPlugin } = await p.load("domains/notes/plugins/list_notes.ts");
  const caller = p.plugins("add_note_test.ts");
  assert.deepEqual(await fromClass(NewNotePlugin, caller), {
    id: "notes/add_note",
    domain: "notes",
    file: "domains/notes/plugins/add_note.ts",
    root: p.root,
    url: p.plugins("add_note.ts"),
  });
  const listNotes = {
    id: "notes/list_notes",
    domain: "notes",
    file: "domains/notes/plugins/list_notes.ts",
    root: p.root,
    url: p.plugins("list_notes.ts"),
  };
  assert.deepEqual(await fromClass(ListNotesPlugin, caller), listNotes);
  // A sibling that cannot be imported is passed over.
  assert.deepEqual(await fromClass(ListNotesPlugin, p.plugins("broken_test.ts")), listNotes);
});

Deno.test("fromClass: only files the kernel would load as plugins are searched", async () => {
  await using p = await notesProject();
  const { SharedHelper } = await p.load("domains/notes/plugins/_shared.ts");
  const { default: LinkedPlugin } = await p.load("lib/linked.ts");
  const { default: NestedPlugin } = await p.load("domains/notes/plugins/sub/nested.ts");
  const caller = p.plugins("add_note_test.ts");
  assert.equal(await fromClass(SharedHelper, caller), undefined, "a _helper is no plugin");
  assert.equal(await fromClass(LinkedPlugin, caller), undefined, "a symlink is not loaded");
  assert.equal(await fromClass(class Nowhere {}, caller), undefined);
  // plugins/sub/ is no plugins folder: only the sibling of the test there would be tried.
  assert.equal(await fromClass(NestedPlugin, p.plugins("sub/other_test.ts")), undefined);
});

Deno.test("fromClass: elsewhere only the sibling of a test is tried", async () => {
  await using p = await notesProject();
  const { default: ThingPlugin } = await p.load("lib/thing.ts");
  const { default: OtherPlugin } = await p.load("lib/other.ts");
  assert.deepEqual(await fromClass(ThingPlugin, p.url("lib/thing_test.ts")), {
    id: "test/thing",
    domain: "test",
    file: `${p.root}/lib/thing.ts`,
    root: projectRoot,
    url: p.url("lib/thing.ts"),
  });
  assert.equal(await fromClass(OtherPlugin, p.url("lib/thing_test.ts")), undefined);
  // A caller that is not a test is never imported; no caller, no identity.
  assert.equal(await fromClass(ThingPlugin, p.url("lib/thing.ts")), undefined);
  assert.equal(await fromClass(ThingPlugin, undefined), undefined);
});

async function notes(t: PluginTest): Promise<unknown> {
  return await t.rows("SELECT COUNT(*) AS n FROM notes");
}

Deno.test("bootPlugin: a class imported by the test beside it boots under its file's id", async () => {
  await using p = await notesProject();
  const { bootAddNote } = await p.load("domains/notes/plugins/add_note_test.ts");
  await using t: PluginTest = await bootAddNote();
  assert.equal(t.id, "notes/add_note", "the file's name, not the class's");
  assert.equal(t.file, "domains/notes/plugins/add_note.ts");
  assert.deepEqual(await notes(t), [{ n: 0 }], "the notes migrations ran");
});

Deno.test("bootPlugin: a class declared in a test beside plugins is in their domain", async () => {
  await using p = await notesProject();
  const { bootLocal } = await p.load("domains/notes/plugins/add_note_test.ts");
  await using t: PluginTest = await bootLocal();
  assert.equal(t.id, "notes/local");
  assert.equal(t.file, "LocalPlugin");
  assert.deepEqual(await notes(t), [{ n: 0 }], "the notes migrations of that project ran");
});

Deno.test("bootPlugin: a plugin file, as a URL or a URL string", async () => {
  await using p = await notesProject();
  for (const file of [new URL(p.plugins("add_note.ts")), p.plugins("add_note.ts")]) {
    await using t = await bootPlugin(file);
    assert.equal(t.id, "notes/add_note");
    assert.equal(t.file, "domains/notes/plugins/add_note.ts");
    assert.deepEqual(await notes(t), [{ n: 0 }]);
  }
});
