/**
 * One way for every task to read its command line: `--help`/`-h` prints the usage and exits 0,
 * an unknown flag or a missing value prints what is wrong plus the usage and exits 2, and in
 * both cases nothing has run or been written yet (tasks parse before doing anything).
 * @module
 */

/** What a task accepts. */
export interface CliSpec {
  /** The usage text printed for `--help` and after an error (starts with `usage:`). */
  usage: string;
  /** Flags without a value, e.g. `--check`. */
  booleans?: readonly string[];
  /** Flags with a value, as `--flag value` or `--flag=value`; repeated ones keep the last. */
  strings?: readonly string[];
  /** Short aliases, e.g. `{ "-o": "--output" }`. */
  aliases?: Readonly<Record<string, string>>;
  /** How many positional arguments are allowed (default: none). */
  maxPositionals?: number;
}

/** A parsed command line. */
export interface CliArgs {
  /** Flags that were given: `true` for booleans, the value for strings. */
  flags: Record<string, string | true>;
  /** The other arguments, in order. */
  positionals: string[];
}

/** Asks the caller to print `message` and exit with `code` (0 for help, 2 for a usage error). */
export class CliExit extends Error {
  override name = "CliExit";
  /** The exit code: 0 after `--help`, 2 after a usage error. */
  readonly code: 0 | 2;

  constructor(code: 0 | 2, message: string) {
    super(message);
    this.code = code;
  }
}

/** Parse `args` against `spec`; throws {@link CliExit} for `--help` and for bad input. */
export function parseCli(args: readonly string[], spec: CliSpec): CliArgs {
  const bad = (why: string) => new CliExit(2, `${why}\n${spec.usage}`);
  const flags: Record<string, string | true> = {};
  const positionals: string[] = [];
  const booleans = new Set(spec.booleans ?? []);
  const strings = new Set(spec.strings ?? []);
  for (let i = 0; i < args.length; i++) {
    const raw = args[i];
    if (raw === "--help" || raw === "-h") throw new CliExit(0, spec.usage);
    if (raw === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!raw.startsWith("-") || raw === "-") {
      positionals.push(raw);
      continue;
    }
    const eq = raw.indexOf("=");
    const given = eq > 0 ? raw.slice(0, eq) : raw;
    const name = spec.aliases?.[given] ?? given;
    if (booleans.has(name)) {
      if (eq > 0) throw bad(`${given} takes no value`);
      flags[name] = true;
    } else if (strings.has(name)) {
      const value = eq > 0 ? raw.slice(eq + 1) : args[++i];
      if (value === undefined || (eq < 0 && value.startsWith("-"))) {
        throw bad(`${given} needs a value`);
      }
      flags[name] = value;
    } else throw bad(`unknown option ${given}`);
  }
  const max = spec.maxPositionals ?? 0;
  if (positionals.length > max) {
    throw bad(
      max === 0
        ? `unexpected argument ${positionals[0]}`
        : `unexpected argument ${positionals[max]} (at most ${max})`,
    );
  }
  return { flags, positionals };
}

/**
 * {@link parseCli} for a task's entry point: on `--help` prints the usage to stdout and exits 0;
 * on a usage error prints to stderr and exits 2.
 */
export function cliArgs(spec: CliSpec, args: readonly string[] = Deno.args): CliArgs {
  try {
    return parseCli(args, spec);
  } catch (err) {
    if (!(err instanceof CliExit)) throw err;
    if (err.code === 0) console.log(err.message);
    else console.error(err.message);
    Deno.exit(err.code);
  }
}
