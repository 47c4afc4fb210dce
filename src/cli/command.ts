/**
 * The shape of a verb. Commands follow citty's CommandDef (meta + args +
 * run), but argv is parsed by ./options.ts: Docker's rules (options end at
 * the first positional, repeatable flags, values that start with "-") differ
 * from citty's parser, and importing citty at start-up pulls in consola's
 * terminal detection (node:tty), which costs ~19 ms on every launch.
 */
import type { ArgDef, CommandMeta } from "citty";

export type OptionDef = ArgDef & {
  type: "string" | "boolean";
  /** the flag may be given many times; the value is a list */
  multiple?: boolean;
  /** shown in help as the value's name: --volume list */
  valueHint?: string;
  hidden?: boolean;
};

export type OptionDefs = Record<string, OptionDef>;

export type ParsedValue = string | boolean | string[] | undefined;

export interface ParsedArgs {
  values: Record<string, ParsedValue>;
  positionals: string[];
}

export interface Command {
  meta: CommandMeta & { name: string; description: string };
  /** "[OPTIONS] --rootfs DIR COMMAND [ARG...]" */
  usage: string;
  options: OptionDefs;
  /** options end at the first positional (run, exec): the rest belongs to the container */
  stopAtPositional?: boolean;
  /** exit code for burrow's own failures: 125 (run, exec, default) or 1 (management verbs, as Docker) */
  failureCode?: number;
  hidden?: boolean;
  /** returns the exit code */
  run(args: ParsedArgs): number | Promise<number>;
}
