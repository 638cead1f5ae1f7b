/** Spells its hook the Python way: it registers nothing. */
export default class Hooks {
  // deno-lint-ignore microcore/lifecycle-hook-name -- the misspelling is what checks_test looks for
  on_boot() {}
}
