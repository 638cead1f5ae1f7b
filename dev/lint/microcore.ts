/**
 * The architecture rules an editor can show as you type: a `deno lint` plugin (`deno.json` →
 * `lint.plugins`), so `deno lint`, `deno task check` (CI) and the Deno language server report
 * them. The rules that need the running app (events, requests, routes) are in `dev/checks.ts`.
 *
 * - `microcore/no-cross-domain-import`: a file of `domains/<a>/` importing a file of
 *   `domains/<b>/`. Other domains are reached through the event bus only.
 * - `microcore/lifecycle-hook-name`: a plugin method spelt like a hook but not exactly
 *   (`on_boot`, `onboot`, `OnBoot`, `on_shutdown`…): it would never be called.
 * @module
 */

/** The hooks the kernel calls on a plugin, by their spelling without case and underscores. */
const HOOKS = new Map([["onboot", "onBoot"], ["shutdown", "shutdown"], ["onshutdown", "shutdown"]]);

/** The domain a path lies in (`…/domains/<d>/…`), if any. */
export function domainOf(path: string): string | undefined {
  return /(?:^|\/)domains\/([^/]+)\//.exec(path)?.[1];
}

/** The hook a method name is a misspelling of (`on_boot` → `onBoot`), or undefined. */
export function misspeltHook(name: string): string | undefined {
  const hook = HOOKS.get(name.toLowerCase().replaceAll("_", "").replaceAll("-", ""));
  return hook && hook !== name ? hook : undefined;
}

/** Why importing `spec` from `file` crosses domains, or undefined when it does not. */
export function crossDomain(file: string, spec: string): string | undefined {
  const from = domainOf(file);
  if (!from || !spec.startsWith(".")) return undefined;
  const to = domainOf(new URL(spec, `file://${file}`).pathname);
  if (!to || to === from) return undefined;
  return `domains/${from} imports a file of domains/${to}: other domains are reached only ` +
    `through event_bus (publish/subscribe, request/respond; contracts in domains/${to}/events.ts)`;
}

const plugin: Deno.lint.Plugin = {
  name: "microcore",
  rules: {
    "no-cross-domain-import": {
      create(context) {
        const check = (source: Deno.lint.Node | null | undefined) => {
          if (source?.type !== "Literal" || typeof source.value !== "string") return;
          const why = crossDomain(context.filename.replaceAll("\\", "/"), source.value);
          if (why) context.report({ node: source, message: why });
        };
        return {
          ImportDeclaration: (n) => check(n.source),
          ExportNamedDeclaration: (n) => check(n.source),
          ExportAllDeclaration: (n) => check(n.source),
          ImportExpression: (n) => check(n.source),
        };
      },
    },
    "lifecycle-hook-name": {
      create(context) {
        if (!/(?:^|\/)domains\/[^/]+\/plugins\//.test(context.filename.replaceAll("\\", "/"))) {
          return {};
        }
        return {
          MethodDefinition(n) {
            if (n.key.type !== "Identifier" || n.kind !== "method") return;
            const hook = misspeltHook(n.key.name);
            if (!hook) return;
            context.report({
              node: n.key,
              message: `"${n.key.name}" is never called: did you mean ${hook}?`,
            });
          },
        };
      },
    },
  },
};

export default plugin;
