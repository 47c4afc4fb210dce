/**
 * burrow run [OPTIONS] --rootfs DIR [--] COMMAND [ARG...]
 */
import { usageError } from "../errors.ts";
import { parseSignal } from "../linux/signals.ts";
import { parseDetachKeys } from "../runtime/attach.ts";
import { runDetached, runForeground } from "../runtime/run.ts";
import type { RestartPolicy } from "../runtime/state.ts";
import type { RunOptions } from "../spec/run-options.ts";
import { formatBytes, parseBytes } from "../spec/units.ts";
import type { Command, OptionDefs, ParsedArgs } from "./command.ts";
import { bool, int, list, str } from "./options.ts";
import { resourceFlagsFrom, resourceOptions } from "./resource-flags.ts";
import { writeOut, writeErr } from "../output.ts";

const options: OptionDefs = {
  ...resourceOptions,
  "add-host": { type: "string", multiple: true, description: "Add a custom host-to-IP mapping (host:ip)" },
  "cap-add": { type: "string", multiple: true, description: "Add Linux capabilities" },
  "cap-drop": { type: "string", multiple: true, description: "Drop Linux capabilities" },
  detach: { type: "boolean", alias: "d", description: "Run container in background and print container ID" },
  "detach-keys": { type: "string", description: "Override the key sequence for detaching a container (with attach)" },
  "cgroup-parent": { type: "string", description: "Parent cgroup for the container (default burrow)" },
  cgroupns: { type: "string", description: "Cgroup namespace to use (host|private)" },
  dns: { type: "string", multiple: true, description: "Set custom DNS servers" },
  entrypoint: { type: "string", description: "Overwrite the default ENTRYPOINT of the image" },
  env: { type: "string", alias: "e", multiple: true, description: "Set environment variables" },
  "env-file": { type: "string", multiple: true, description: "Read in a file of environment variables" },
  "group-add": { type: "string", multiple: true, description: "Add additional groups to join" },
  hostname: { type: "string", alias: "h", description: "Container host name" },
  init: { type: "boolean", description: "Run an init inside the container that forwards signals and reaps processes" },
  interactive: { type: "boolean", alias: "i", description: "Keep STDIN open" },
  ipc: { type: "string", description: "IPC namespace to use (host|private)" },
  name: { type: "string", description: "Assign a name to the container" },
  network: { type: "string", valueHint: "mode", description: "Connect a container to a network (none|host)" },
  net: { type: "string", hidden: true, description: "Alias of --network" },
  "oom-score-adj": { type: "string", valueHint: "int", description: "Tune host's OOM preferences (-1000 to 1000)" },
  pid: { type: "string", description: "PID namespace to use (host|private)" },
  privileged: { type: "boolean", description: "Give extended privileges to this container" },
  "read-only": { type: "boolean", description: "Mount the container's root filesystem as read only" },
  restart: { type: "string", description: "Restart policy to apply when a container exits (no, on-failure[:N], always, unless-stopped)" },
  "log-opt": { type: "string", multiple: true, description: "Log driver options (max-size=10m, max-file=3)" },
  "stop-signal": { type: "string", description: "Signal to stop the container (default SIGTERM)" },
  rm: { type: "boolean", description: "Automatically remove the container when it exits" },
  rootfs: { type: "string", valueHint: "dir", description: "Use DIR as the root filesystem (\"/\": the host, read-only, private /tmp)" },
  "security-opt": { type: "string", multiple: true, description: "Security options (no-new-privileges[=false])" },
  sysctl: { type: "string", multiple: true, description: "Sysctl options" },
  tmpfs: { type: "string", multiple: true, description: "Mount a tmpfs directory (PATH[:OPTIONS])" },
  tty: { type: "boolean", alias: "t", description: "Allocate a pseudo-TTY" },
  uidmap: { type: "string", multiple: true, valueHint: "ctr:host:size", description: "UID map for the user namespace" },
  gidmap: { type: "string", multiple: true, valueHint: "ctr:host:size", description: "GID map for the user namespace" },
  ulimit: { type: "string", multiple: true, description: "Ulimit options (nofile=1024:2048)" },
  user: { type: "string", alias: "u", description: "Username or UID (format: <name|uid>[:<group|gid>])" },
  userns: { type: "string", description: "User namespace to use (host|private)" },
  uts: { type: "string", description: "UTS namespace to use (host|private)" },
  volume: { type: "string", alias: "v", multiple: true, description: "Bind mount a volume (HOST:CONTAINER[:ro])" },
  workdir: { type: "string", alias: "w", description: "Working directory inside the container" },
  help: { type: "boolean", description: "Print usage" },
};

export function runOptionsFrom(args: ParsedArgs): RunOptions {
  const rootfs = str(args, "rootfs");
  // without --rootfs the first argument is the image, as with Docker
  const image = rootfs ? undefined : args.positionals[0];
  if (!rootfs && !image) throw usageError("burrow run needs an image (or --rootfs DIR)");
  const command = rootfs ? args.positionals : args.positionals.slice(1);
  if (rootfs && command.length === 0) throw usageError("burrow run needs a command to run");
  return {
    rootfs,
    image,
    entrypoint: str(args, "entrypoint"),
    command,
    name: str(args, "name"),
    hostname: str(args, "hostname"),
    env: list(args, "env"),
    envFile: list(args, "env-file"),
    workdir: str(args, "workdir"),
    user: str(args, "user"),
    groupAdd: list(args, "group-add"),
    volume: list(args, "volume"),
    tmpfs: list(args, "tmpfs"),
    readOnly: bool(args, "read-only"),
    rm: bool(args, "rm"),
    init: bool(args, "init"),
    tty: bool(args, "tty"),
    interactive: bool(args, "interactive"),
    pid: str(args, "pid"),
    network: str(args, "network") ?? str(args, "net"),
    ipc: str(args, "ipc"),
    uts: str(args, "uts"),
    cgroupns: str(args, "cgroupns"),
    userns: str(args, "userns"),
    uidmap: list(args, "uidmap"),
    gidmap: list(args, "gidmap"),
    capAdd: list(args, "cap-add"),
    capDrop: list(args, "cap-drop"),
    privileged: bool(args, "privileged"),
    securityOpt: list(args, "security-opt"),
    ulimit: list(args, "ulimit"),
    sysctl: list(args, "sysctl"),
    dns: list(args, "dns"),
    addHost: list(args, "add-host"),
    oomScoreAdj: int(args, "oom-score-adj"),
    cgroupParent: str(args, "cgroup-parent"),
    ...resourceFlagsFrom(args),
    stopSignal: str(args, "stop-signal"),
    logOptions: parseLogOptions(list(args, "log-opt")),
  };
}

function parseLogOptions(opts: string[]): RunOptions["logOptions"] {
  const out: NonNullable<RunOptions["logOptions"]> = {};
  for (const o of opts) {
    const [key, value = ""] = o.split("=", 2);
    if (key === "max-size") out.maxSize = parseBytes(value, "--log-opt max-size");
    else if (key === "max-file") {
      out.maxFile = Number(value);
      if (!Number.isInteger(out.maxFile) || out.maxFile < 1) throw usageError(`invalid max-file "${value}"`, "--log-opt");
    } else throw usageError(`unknown log option "${key}" (max-size, max-file)`, "--log-opt");
  }
  return opts.length > 0 ? out : undefined;
}

/** --restart no | always | unless-stopped | on-failure[:N] */
export function parseRestartPolicy(text: string | undefined): RestartPolicy | undefined {
  if (text === undefined) return undefined;
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(text);
  if (!m || (m[2] !== undefined && m[1] !== "on-failure")) throw usageError(`invalid restart policy "${text}"`, "--restart");
  return { name: m[1] as RestartPolicy["name"], maximumRetryCount: m[2] !== undefined ? Number(m[2]) : undefined };
}

export const runCommand: Command = {
  meta: { name: "run", description: "Run a command in a new container" },
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]  |  [OPTIONS] --rootfs DIR [--] COMMAND [ARG...]",
  options,
  stopAtPositional: true,
  run(args) {
    const opts = runOptionsFrom(args);
    const restart = parseRestartPolicy(str(args, "restart"));
    if (str(args, "detach-keys") !== undefined) parseDetachKeys(str(args, "detach-keys")!);
    if (opts.stopSignal) parseSignal(opts.stopSignal);
    if (bool(args, "detach")) {
      if (opts.rm && restart && restart.name !== "no") throw usageError("conflicting options: --restart and --rm", "--restart");
      writeOut(`${runDetached(opts, restart)}\n`);
      return 0;
    }
    if (restart && restart.name !== "no") throw usageError("--restart needs a detached container (-d)", "--restart");
    const result = runForeground(opts);
    if (result.oomKilled) {
      const limit = result.memoryLimit !== undefined ? ` (memory limit ${formatBytes(result.memoryLimit)})` : "";
      writeErr(`burrow: container killed by the OOM killer${limit}\n`);
    }
    return result.exitCode;
  },
};
