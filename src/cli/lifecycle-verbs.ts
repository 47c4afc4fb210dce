/**
 * stop, kill, start, restart, rm, wait: one small command each.
 */
import { BurrowError } from "../errors.ts";
import { parseSignal } from "../linux/signals.ts";
import { isRunning, killContainer, removeContainer, startContainer, stopContainer, waitContainer } from "../runtime/lifecycle.ts";
import { findContainer } from "../runtime/lookup.ts";
import type { Command } from "./command.ts";
import { forEachContainer } from "./container-refs.ts";
import { bool, int, str } from "./options.ts";
import { writeOut, writeErr } from "../output.ts";

const help = { help: { type: "boolean", description: "Print usage" } } as const;

export const stopCommand: Command = {
  meta: { name: "stop", description: "Stop one or more running containers" },
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  failureCode: 1,
  options: {
    time: { type: "string", alias: "t", valueHint: "int", description: "Seconds to wait before killing the container (default 10)" },
    signal: { type: "string", alias: "s", description: "Signal to send to the container" },
    ...help,
  },
  run(args) {
    const seconds = int(args, "time") ?? 10;
    const signal = str(args, "signal");
    if (signal) parseSignal(signal);
    return forEachContainer(args.positionals, async (c) => {
      if (!isRunning(c)) {
        writeErr(`burrow: container ${c.name} is not running\n`);
        return;
      }
      await stopContainer(signal ? { ...c, stopSignal: signal } : c, seconds);
    });
  },
};

export const killCommand: Command = {
  meta: { name: "kill", description: "Kill one or more running containers" },
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  failureCode: 1,
  options: { signal: { type: "string", alias: "s", description: "Signal to send to the container (default KILL)" }, ...help },
  run(args) {
    const signal = str(args, "signal") ?? "KILL";
    parseSignal(signal);
    return forEachContainer(args.positionals, (c) => killContainer(c, signal));
  },
};

export const startCommand: Command = {
  meta: { name: "start", description: "Start one or more stopped containers" },
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  failureCode: 1,
  options: { ...help },
  run(args) {
    return forEachContainer(args.positionals, (c) => {
      if (!isRunning(c)) startContainer(c.id);
    });
  },
};

export const restartCommand: Command = {
  meta: { name: "restart", description: "Restart one or more containers" },
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  failureCode: 1,
  options: { time: { type: "string", alias: "t", description: "Seconds to wait before killing the container (default 10)" }, ...help },
  run(args) {
    const seconds = int(args, "time") ?? 10;
    return forEachContainer(args.positionals, async (c) => {
      if (isRunning(c)) await stopContainer(c, seconds);
      startContainer(c.id);
    });
  },
};

export const rmCommand: Command = {
  meta: { name: "rm", description: "Remove one or more containers" },
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  failureCode: 1,
  options: {
    force: { type: "boolean", alias: "f", description: "Force the removal of a running container (uses SIGKILL)" },
    volumes: { type: "boolean", alias: "v", description: "Remove anonymous volumes associated with the container" },
    ...help,
  },
  run(args) {
    return forEachContainer(args.positionals, (c) => removeContainer(c.id, bool(args, "force")));
  },
};

export const waitCommand: Command = {
  meta: { name: "wait", description: "Block until one or more containers stop, then print their exit codes" },
  usage: "CONTAINER [CONTAINER...]",
  failureCode: 1,
  options: { ...help },
  async run(args) {
    if (args.positionals.length === 0) throw new BurrowError({ step: "invalid argument", reason: "requires at least 1 container", exitCode: 1 });
    for (const ref of args.positionals) {
      const code = await waitContainer(findContainer(ref).id);
      writeOut(`${code}\n`);
    }
    return 0;
  },
};
