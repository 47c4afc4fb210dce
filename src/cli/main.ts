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
import { writeOut, writeErr } from "../output.ts";
/**
 * Verbs are evaluated when used: a module's top level runs only for the
 * verb that needs it, so `run` does not set up `stats` or `logs`.
 */
type Lazy = () => Command;
/* eslint-disable @typescript-eslint/no-require-imports */
const commands: Record<string, Lazy> = {
  run: () => require("./run.ts").runCommand,
  exec: () => require("./exec.ts").execCommand,
  ps: () => require("./ps.ts").psCommand,
  logs: () => require("./logs.ts").logsCommand,
  attach: () => require("./attach.ts").attachCommand,
  stop: () => require("./lifecycle-verbs.ts").stopCommand,
  start: () => require("./lifecycle-verbs.ts").startCommand,
  restart: () => require("./lifecycle-verbs.ts").restartCommand,
  kill: () => require("./lifecycle-verbs.ts").killCommand,
  rm: () => require("./lifecycle-verbs.ts").rmCommand,
  wait: () => require("./lifecycle-verbs.ts").waitCommand,
  inspect: () => require("./inspect.ts").inspectCommand,
  stats: () => require("./stats.ts").statsCommand,
  update: () => require("./update.ts").updateCommand,
  version: () => require("./version.ts").versionCommand,
  images: () => require("./image-verbs.ts").imagesCommand,
  import: () => require("./import.ts").importCommand,
  rmi: () => require("./image-verbs.ts").rmiCommand,
  load: () => require("./load-save.ts").loadCommand,
  pull: () => require("./pull.ts").pullCommand,
  commit: () => require("./commit-export.ts").commitCommand,
  export: () => require("./commit-export.ts").exportCommand,
  login: () => require("./pull.ts").loginCommand,
  logout: () => require("./pull.ts").logoutCommand,
  save: () => require("./load-save.ts").saveCommand,
  tag: () => require("./image-verbs.ts").tagCommand,
  "container-exited": () => require("./container-exited.ts").containerExitedCommand,
  "unpack-layer": () => require("./internal.ts").unpackLayerCommand,
  "remove-tree": () => require("./internal.ts").removeTreeCommand,
};

/** `burrow image VERB` */
const imageCommands: Record<string, Lazy> = {
  ls: commands.images!,
  list: commands.images!,
  import: commands.import!,
  rm: commands.rmi!,
  tag: commands.tag!,
  inspect: () => require("./image-verbs.ts").imageInspectCommand,
  prune: () => require("./image-verbs.ts").imagePruneCommand,
  load: commands.load!,
  save: commands.save!,
  pull: commands.pull!,
};

/** `burrow container VERB`: Docker's management-command spelling */
const containerCommands: Record<string, Lazy> = {
  ...commands,
  ls: commands.ps!,
  list: commands.ps!,
  prune: () => require("./container-prune.ts").containerPruneCommand,
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
    .map((load) => load())
    .filter((c) => !c.hidden)
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

const MOVES_A_PROCESS = new Set(["run", "exec", "start", "restart"]);

async function main(argv: string[]): Promise<number> {
  const global = parseArgs(argv, globalOptions, true);
  const g = global.values;
  setDebug(g.debug === true || g["log-level"] === "debug");
  if (typeof g["log-level"] === "string") setLogLevel(g["log-level"]);
  if (typeof g.root === "string") setRootOverride(g.root);
  if (g.version) {
    writeOut(`burrow version ${VERSION}\n`);
    return 0;
  }
  const [verb, ...rest] = global.positionals;
  if (!verb || g.help) {
    writeOut(mainHelp());
    return verb || g.help ? 0 : ExitCode.Failed;
  }
  if (verb === "help") {
    const target = rest[0] ? commands[rest[0]]?.() : undefined;
    writeOut(target ? commandHelp(target) : mainHelp());
    return 0;
  }
  // these move a process into a cgroup: the kernel's wait before the first
  // move then passes while the verb's module loads and the spec is built
  if (MOVES_A_PROCESS.has(verb) || (verb === "container" && MOVES_A_PROCESS.has(rest[0] ?? ""))) {
    require("../linux/cgroup/attach-warmup.ts").warmUpCgroupAttach();
  }
  let cmd = commands[verb]?.();
  let verbArgs = rest;
  if (verb === "container" || verb === "image") {
    cmd = (verb === "container" ? containerCommands : imageCommands)[rest[0] ?? ""]?.();
    verbArgs = rest.slice(1);
    if (!cmd) throw new BurrowError({ step: `'${verb} ${rest[0] ?? ""}' is not a burrow command`, hint: "see 'burrow --help'" });
  }
  if (!cmd) throw new BurrowError({ step: `'${verb}' is not a burrow command`, hint: "see 'burrow --help'" });
  try {
    const args = parseArgs(verbArgs, cmd.options, cmd.stopAtPositional);
    if (args.values.help) {
      writeOut(commandHelp(cmd));
      return 0;
    }
    return await cmd.run(args);
  } catch (err) {
    // management verbs fail with 1 as Docker's do; run and exec keep 125/126/127
    if (err instanceof BurrowError && err.exitCode === ExitCode.Failed && cmd.failureCode !== undefined) {
      throw new BurrowError({ step: err.step, object: err.object, errno: err.errno, hint: err.hint, reason: err.reason, exitCode: cmd.failureCode });
    }
    throw err;
  }
}

function report(err: unknown): number {
  if (err instanceof BurrowError) {
    writeErr(`burrow: ${err.message}\n`);
    return err.exitCode;
  }
  writeErr(`burrow: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.Failed;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => process.exit(report(err)),
);
