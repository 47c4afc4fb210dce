/**
 * burrow exec [OPTIONS] CONTAINER COMMAND [ARG...]
 */
import { usageError } from "../errors.ts";
import { execInContainer } from "../runtime/exec.ts";
import { refresh } from "../runtime/lifecycle.ts";
import { findContainer } from "../runtime/lookup.ts";
import type { Command } from "./command.ts";
import { bool, list, str } from "./options.ts";

export const execCommand: Command = {
  meta: { name: "exec", description: "Execute a command in a running container" },
  usage: "[OPTIONS] CONTAINER COMMAND [ARG...]",
  stopAtPositional: true,
  options: {
    detach: { type: "boolean", alias: "d", description: "Detached mode: run command in the background" },
    env: { type: "string", alias: "e", multiple: true, description: "Set environment variables" },
    interactive: { type: "boolean", alias: "i", description: "Keep STDIN open even if not attached" },
    privileged: { type: "boolean", description: "Give extended privileges to the command" },
    tty: { type: "boolean", alias: "t", description: "Allocate a pseudo-TTY" },
    user: { type: "string", alias: "u", description: "Username or UID (format: <name|uid>[:<group|gid>])" },
    workdir: { type: "string", alias: "w", description: "Working directory inside the container" },
    help: { type: "boolean", description: "Print usage" },
  },
  run(args) {
    const [ref, ...command] = args.positionals;
    if (!ref || command.length === 0) throw usageError("burrow exec needs a container and a command");
    const container = refresh(findContainer(ref));
    return execInContainer(container, {
      command,
      env: list(args, "env"),
      user: str(args, "user"),
      workdir: str(args, "workdir"),
      tty: bool(args, "tty"),
      interactive: bool(args, "interactive"),
      detach: bool(args, "detach"),
      privileged: bool(args, "privileged"),
    });
  },
};
