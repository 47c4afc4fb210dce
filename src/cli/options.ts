/**
 * argv parsing with Docker's habits:
 *  - `--flag value`, `--flag=value`, `-e VALUE`, `-eVALUE`, `-it` (clusters)
 *  - a value may start with "-" (`--oom-score-adj -500`)
 *  - repeatable flags collect a list (`-e A=1 -e B=2`)
 *  - with stopAtPositional, options end at the first positional, so
 *    `burrow run --rootfs R sh -c 'echo $0' x` passes `-c` to sh; `--` also works.
 */
import { usageError } from "../errors.ts";
import type { OptionDef, OptionDefs, ParsedArgs, ParsedValue } from "./command.ts";

export function parseArgs(argv: readonly string[], defs: OptionDefs, stopAtPositional = false): ParsedArgs {
  const byShort = new Map<string, string>();
  for (const [name, def] of Object.entries(defs)) {
    for (const alias of aliases(def)) byShort.set(alias, name);
  }
  const values: Record<string, ParsedValue> = {};
  const positionals: string[] = [];
  const set = (name: string, def: OptionDef, value: string | boolean) => {
    if (def.multiple) values[name] = [...((values[name] as string[] | undefined) ?? []), String(value)];
    else values[name] = value;
  };

  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const def = defs[name];
      if (!def) throw usageError(`unknown flag: --${name}`);
      if (def.type === "boolean") {
        set(name, def, eq < 0 ? true : parseBool(arg.slice(eq + 1), name));
      } else if (eq >= 0) {
        set(name, def, arg.slice(eq + 1));
      } else {
        if (i + 1 >= argv.length) throw usageError(`flag needs an argument: --${name}`);
        set(name, def, argv[++i]!);
      }
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // a cluster of short flags: -it, -e VALUE, -eVALUE, -dit
      for (let j = 1; j < arg.length; j++) {
        const short = arg[j]!;
        const name = byShort.get(short);
        if (!name) throw usageError(`unknown shorthand flag: '${short}' in ${arg}`);
        const def = defs[name]!;
        if (def.type === "boolean") {
          set(name, def, true);
          continue;
        }
        const rest = arg.slice(j + 1).replace(/^=/, "");
        if (rest) set(name, def, rest);
        else if (i + 1 < argv.length) set(name, def, argv[++i]!);
        else throw usageError(`flag needs an argument: '${short}' in ${arg}`);
        break;
      }
      continue;
    }
    if (stopAtPositional) break;
    positionals.push(arg);
  }
  positionals.push(...argv.slice(i));
  return { values, positionals };
}

function aliases(def: OptionDef): string[] {
  if (!def.alias) return [];
  return Array.isArray(def.alias) ? def.alias : [def.alias];
}

function parseBool(text: string, name: string): boolean {
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw usageError(`invalid argument "${text}" for "--${name}" flag: expected true or false`);
}

/** Typed accessors for a command's parsed values. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

export function list(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

export function bool(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function int(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw usageError(`invalid argument "${v}" for "--${name}" flag: expected an integer`);
  return Number(v);
}
