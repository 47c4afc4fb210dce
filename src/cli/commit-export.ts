/**
 * burrow commit CONTAINER [REPOSITORY[:TAG]] and burrow export -o FILE CONTAINER
 */
import { writeFileSync } from "node:fs";
import { fromSystemError, usageError } from "../errors.ts";
import { commitContainer, exportContainer } from "../image/commit.ts";
import { isTerminal } from "../linux/launcher.ts";
import { findContainer } from "../runtime/lookup.ts";
import type { Command } from "./command.ts";
import { str } from "./options.ts";
import { writeOut } from "../output.ts";

const help = { help: { type: "boolean", description: "Print usage" } } as const;

export const commitCommand: Command = {
  meta: { name: "commit", description: "Create a new image from a container's changes" },
  usage: "CONTAINER [REPOSITORY[:TAG]]",
  failureCode: 1,
  options: { ...help },
  run(args) {
    const [ref, name] = args.positionals;
    if (!ref) throw usageError("burrow commit needs a container");
    writeOut(`${commitContainer(findContainer(ref), name).id}\n`);
    return 0;
  },
};

export const exportCommand: Command = {
  meta: { name: "export", description: "Export a container's filesystem as a tar archive" },
  usage: "[OPTIONS] CONTAINER",
  failureCode: 1,
  options: { output: { type: "string", alias: "o", description: "Write to a file, instead of STDOUT" }, ...help },
  run(args) {
    const ref = args.positionals[0];
    if (!ref) throw usageError("burrow export needs a container");
    const out = str(args, "output");
    if (!out && isTerminal(1)) throw usageError("refusing to write a tar archive to a terminal: use -o FILE or redirect stdout");
    const tar = exportContainer(findContainer(ref));
    try {
      writeFileSync(out ?? 1, tar);
    } catch (err) {
      throw fromSystemError(err, "export", out ?? "stdout");
    }
    return 0;
  },
};
