/**
 * burrow update [OPTIONS] CONTAINER...: change the limits of running containers.
 */
import { BurrowError, usageError } from "../errors.ts";
import { openCgroup } from "../runtime/container-cgroup.ts";
import { findContainer } from "../runtime/lookup.ts";
import { buildResources, type ResourceFlags } from "../spec/resources.ts";
import type { Command, OptionDefs } from "./command.ts";
import { bool, list, str } from "./options.ts";

const options: OptionDefs = {
  "blkio-weight": { type: "string", description: "Block IO (relative weight), between 10 and 1000" },
  cpus: { type: "string", description: "Number of CPUs" },
  "cpu-period": { type: "string", description: "Limit CPU CFS period" },
  "cpu-quota": { type: "string", description: "Limit CPU CFS quota" },
  "cpu-shares": { type: "string", alias: "c", description: "CPU shares (relative weight)" },
  "cpuset-cpus": { type: "string", description: "CPUs in which to allow execution (0-3, 0,1)" },
  "cpuset-mems": { type: "string", description: "MEMs in which to allow execution (0-3, 0,1)" },
  memory: { type: "string", alias: "m", description: "Memory limit" },
  "memory-reservation": { type: "string", description: "Memory soft limit" },
  "memory-swap": { type: "string", description: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
  "pids-limit": { type: "string", description: "Tune container pids limit (-1 for unlimited)" },
  help: { type: "boolean", description: "Print usage" },
};

export function resourceFlagsFrom(args: Parameters<typeof str>[0]): ResourceFlags {
  return {
    memory: str(args, "memory"),
    memorySwap: str(args, "memory-swap"),
    memoryReservation: str(args, "memory-reservation"),
    cpus: str(args, "cpus"),
    cpuShares: str(args, "cpu-shares"),
    cpuPeriod: str(args, "cpu-period"),
    cpuQuota: str(args, "cpu-quota"),
    cpusetCpus: str(args, "cpuset-cpus"),
    cpusetMems: str(args, "cpuset-mems"),
    pidsLimit: str(args, "pids-limit"),
    blkioWeight: str(args, "blkio-weight"),
    deviceReadBps: list(args, "device-read-bps"),
    deviceWriteBps: list(args, "device-write-bps"),
    oomKillDisable: bool(args, "oom-kill-disable"),
  };
}

export const updateCommand: Command = {
  meta: { name: "update", description: "Update configuration of one or more containers" },
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  options,
  run(args) {
    if (args.positionals.length === 0) throw usageError("burrow update needs at least one container");
    const resources = buildResources(resourceFlagsFrom(args));
    if (!resources) throw usageError("you must provide one or more flags when using this command");
    for (const ref of args.positionals) {
      const c = findContainer(ref);
      if (c.status !== "running" || !c.cgroup) {
        throw new BurrowError({ step: "update", object: ref, reason: c.cgroup ? "the container is not running" : "the container has no cgroup" });
      }
      openCgroup(c.cgroup).update(resources);
      process.stdout.write(`${ref}\n`);
    }
    return 0;
  },
};
