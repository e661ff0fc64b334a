/**
 * The commands' argument parsing and usage boilerplate, once: node's util.parseArgs plus `-h/--help`, a count of
 * positionals, and errors that say what to do next (a did-you-mean for a mistyped option or word), each followed
 * by the command's usage and exit status 2.
 *
 *   const args = parseCommandLine({ name: "call", usage: USAGE, options: { url: { type: "string" } } }, argv);
 *   if (!args.ok) return args.exit;
 *   args.values.url; args.positionals;
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { didYouMean } from "../language/suggest.js";

/** Where a command writes (tests pass their own). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandSpec<O extends Options> {
  /** the command's name after `ivr`, e.g. "call" */
  name: string;
  usage: string;
  options: O;
  /** how many positional arguments it takes (default: any number) */
  positionals?: { min?: number; max?: number; what: string };
}

const HELP = { help: { type: "boolean", short: "h" } } as const;

/** The parsed values of a command's options (plus `help`). */
export type OptionValues<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP; allowPositionals: true; strict: true }>
>["values"];

export type CommandArgs<O extends Options> =
  | { ok: true; values: OptionValues<O>; positionals: string[] }
  /** nothing left to do: the usage was printed (0 for --help, 2 for a mistake) */
  | { ok: false; exit: 0 | 2 };

export function parseCommandLine<const O extends Options>(
  spec: CommandSpec<O>,
  argv: string[],
  io: Io = processIo,
): CommandArgs<O> {
  let parsed: { values: OptionValues<O>; positionals: string[] };
  try {
    parsed = parseOptions(spec, argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { ok: false, exit: usageError(spec, err.message, io) };
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.out(spec.usage);
    return { ok: false, exit: 0 };
  }
  return { ok: true, ...parsed };
}

/** A mistake in how a command was called (exit status 2). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** parseArgs, `help` included, and the positional count; what is wrong is thrown as a UsageError. */
export function parseOptions<const O extends Options>(
  spec: CommandSpec<O>,
  argv: string[],
): { values: OptionValues<O>; positionals: string[] } {
  let parsed: { values: OptionValues<O>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...spec.options, ...HELP }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(describeParseError(err, spec.options));
  }
  const { min = 0, max = Number.POSITIVE_INFINITY, what = "argument" } = spec.positionals ?? {};
  const count = parsed.positionals.length;
  if (!(parsed.values as { help?: boolean }).help && (count < min || count > max)) {
    const expected = min === max ? `exactly ${min}` : count < min ? `at least ${min}` : `at most ${max}`;
    throw new UsageError(`expected ${expected} ${what}${max === 1 ? "" : "s"}`);
  }
  return parsed;
}

/** Print `ivr <name>: <message>` and the usage; returns 2, the exit status for a usage mistake. */
export function usageError(spec: { name: string; usage: string }, message: string, io: Io = processIo): 2 {
  io.err(`ivr ${spec.name}: ${message}\n\n${spec.usage}`);
  return 2;
}

/** ", did you mean 'x'?" when `word` looks like a typo of one of `candidates` ("" otherwise). */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const close = didYouMean(word, candidates);
  return close === undefined ? "" : ` (did you mean '${close}'?)`;
}

/** parseArgs' errors, said for a terminal: "unknown option '--urll' (did you mean '--url'?)". */
function describeParseError(err: unknown, options: Options): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
    const names = Object.keys({ ...options, ...HELP }).map((name) => `--${name}`);
    return `unknown option '${unknown}'${suggestion(unknown, names)}`;
  }
  // "Option '--url <value>' argument missing", "Option '-h, --help' does not take an argument"
  return message.replace(/^Option/, "option").replace(/\.$/, "");
}
