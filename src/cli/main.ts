/**
 * burrow's entry point: global flags, then one verb.
 *
 *   burrow [--root DIR] [--debug] [--log-level LEVEL] VERB [OPTIONS] [ARGS]
 *
 * Kept small: everything imported here is paid for on every container start.
 */
import { setDebug } from "../debug.ts";
import { BurrowError, ExitCode } from "../errors.ts";
import { setLogLevel } from "../log.ts";
import { setRootOverride } from "../runtime/paths.ts";
import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";
import { commandHelp, optionLines } from "./help.ts";
import { parseArgs } from "./options.ts";
import { runCommand } from "./run.ts";
import { statsCommand } from "./stats.ts";
import { updateCommand } from "./update.ts";
import { versionCommand } from "./version.ts";

const commands: Record<string, Command> = {
  run: runCommand,
  stats: statsCommand,
  update: updateCommand,
  version: versionCommand,
};

const globalOptions = {
  root: { type: "string", valueHint: "dir", description: "Root directory of all state (default /run/burrow, /var/lib/burrow)" },
  debug: { type: "boolean", alias: "D", description: "Log each launch step with its time to stderr" },
  "log-level": { type: "string", alias: "l", valueHint: "level", description: "Set the logging level (debug|info|warn|error)" },
  version: { type: "boolean", alias: "v", description: "Print version information and quit" },
  help: { type: "boolean", description: "Print usage" },
} as const;

function mainHelp(): string {
  const verbs = Object.values(commands)
    .map((c) => `  ${c.meta.name.padEnd(10)} ${c.meta.description}`)
    .join("\n");
  return [
    "Usage:  burrow [OPTIONS] COMMAND",
    "",
    "A daemonless container runtime",
    "",
    "Options:",
    optionLines(globalOptions),
    "",
    "Commands:",
    verbs,
    "",
    "Run 'burrow COMMAND --help' for more information on a command.",
    "",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const global = parseArgs(argv, globalOptions, true);
  const g = global.values;
  setDebug(g.debug === true || g["log-level"] === "debug");
  if (typeof g["log-level"] === "string") setLogLevel(g["log-level"]);
  if (typeof g.root === "string") setRootOverride(g.root);
  if (g.version) {
    process.stdout.write(`burrow version ${VERSION}\n`);
    return 0;
  }
  const [verb, ...rest] = global.positionals;
  if (!verb || g.help) {
    process.stdout.write(mainHelp());
    return verb || g.help ? 0 : ExitCode.Failed;
  }
  if (verb === "help") {
    const target = rest[0] ? commands[rest[0]] : undefined;
    process.stdout.write(target ? commandHelp(target) : mainHelp());
    return 0;
  }
  const cmd = commands[verb];
  if (!cmd) throw new BurrowError({ step: `'${verb}' is not a burrow command`, hint: "see 'burrow --help'" });
  const args = parseArgs(rest, cmd.options, cmd.stopAtPositional);
  if (args.values.help) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  return await cmd.run(args);
}

function report(err: unknown): number {
  if (err instanceof BurrowError) {
    process.stderr.write(`burrow: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`burrow: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.Failed;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => process.exit(report(err)),
);
