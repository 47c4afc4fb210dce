/**
 * burrow inspect CONTAINER...: JSON close to Docker's.
 */
import { loadSpec } from "../runtime/container-files.ts";
import { refresh } from "../runtime/lifecycle.ts";
import { findContainer } from "../runtime/lookup.ts";
import { containerDir } from "../runtime/paths.ts";
import type { ContainerState } from "../runtime/state.ts";
import type { Spec } from "../spec/types.ts";
import { usageError } from "../errors.ts";
import type { Command } from "./command.ts";
import { statusText } from "./ps.ts";
import { str } from "./options.ts";
import { writeOut } from "../output.ts";

export function inspectContainer(c: ContainerState): Record<string, unknown> {
  let spec: Spec | undefined;
  try {
    spec = loadSpec(c.id);
  } catch {
    spec = undefined;
  }
  const running = c.status === "running";
  const resources = spec?.linux.resources;
  return {
    Id: c.id,
    Created: c.created,
    Path: c.command[0],
    Args: c.command.slice(1),
    State: {
      Status: c.status,
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: c.oomKilled ?? false,
      Dead: false,
      Pid: running ? c.pid : 0,
      ExitCode: c.exitCode ?? 0,
      Error: "",
      StartedAt: c.startedAt ?? "0001-01-01T00:00:00Z",
      FinishedAt: c.finishedAt ?? "0001-01-01T00:00:00Z",
      Description: statusText(c),
    },
    Image: c.image,
    Name: `/${c.name}`,
    RestartCount: c.restartCount ?? 0,
    Driver: "bind",
    LogPath: `${containerDir(c.id)}/container.log`,
    Config: {
      Hostname: spec?.hostname,
      User: spec ? `${spec.process.user.uid}:${spec.process.user.gid}` : "",
      Tty: c.tty ?? false,
      OpenStdin: c.interactive ?? false,
      Env: spec?.process.env ?? [],
      Cmd: c.command,
      WorkingDir: spec?.process.cwd ?? "/",
      StopSignal: c.stopSignal ?? "SIGTERM",
    },
    HostConfig: {
      AutoRemove: c.autoRemove ?? false,
      RestartPolicy: { Name: c.restartPolicy?.name ?? "no", MaximumRetryCount: c.restartPolicy?.maximumRetryCount ?? 0 },
      Init: c.init ?? false,
      Privileged: false,
      ReadonlyRootfs: spec?.root.readonly ?? false,
      CapAdd: null,
      Memory: resources?.memory?.limit ?? 0,
      MemorySwap: resources?.memory?.swap ?? 0,
      MemoryReservation: resources?.memory?.reservation ?? 0,
      CpuShares: resources?.cpu?.shares ?? 0,
      CpuPeriod: resources?.cpu?.period ?? 0,
      CpuQuota: resources?.cpu?.quota ?? 0,
      CpusetCpus: resources?.cpu?.cpus ?? "",
      CpusetMems: resources?.cpu?.mems ?? "",
      PidsLimit: resources?.pids?.limit ?? null,
      CgroupParent: c.cgroup?.path ?? "",
    },
    Mounts: (spec?.mounts ?? [])
      .filter((m) => m.type === "bind" && !m.source?.startsWith(containerDir(c.id)))
      .map((m) => ({
        Type: "bind",
        Source: m.source,
        Destination: m.destination,
        RW: !(m.options ?? []).includes("ro"),
        Propagation: (m.options ?? []).find((o) => /private|shared|slave/.test(o)) ?? "rprivate",
      })),
  };
}

export const inspectCommand: Command = {
  meta: { name: "inspect", description: "Display detailed information on one or more containers" },
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  failureCode: 1,
  options: {
    format: { type: "string", alias: "f", description: "Format output: json (default)" },
    help: { type: "boolean", description: "Print usage" },
  },
  run(args) {
    const format = str(args, "format");
    if (format !== undefined && format !== "json") throw usageError(`only --format json is supported (Go templates are not): "${format}"`, "--format");
    const out = args.positionals.map((ref) => inspectContainer(refresh(findContainer(ref))));
    writeOut(`${JSON.stringify(out, null, 4)}\n`);
    return 0;
  },
};
