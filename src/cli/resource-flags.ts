/**
 * Docker's resource flags, shared by `run` and `update`: their definitions
 * for the parser and help, and their values as ResourceFlags.
 */
import type { ResourceFlags } from "../spec/resources.ts";
import type { OptionDefs, ParsedArgs } from "./command.ts";
import { bool, list, str } from "./options.ts";

export const resourceOptions: OptionDefs = {
  "blkio-weight": { type: "string", valueHint: "uint16", description: "Block IO (relative weight), between 10 and 1000, or 0 to disable" },
  cpus: { type: "string", valueHint: "decimal", description: "Number of CPUs" },
  "cpu-period": { type: "string", valueHint: "int", description: "Limit CPU CFS (Completely Fair Scheduler) period" },
  "cpu-quota": { type: "string", valueHint: "int", description: "Limit CPU CFS (Completely Fair Scheduler) quota" },
  "cpu-shares": { type: "string", alias: "c", valueHint: "int", description: "CPU shares (relative weight)" },
  "cpuset-cpus": { type: "string", description: "CPUs in which to allow execution (0-3, 0,1)" },
  "cpuset-mems": { type: "string", description: "MEMs in which to allow execution (0-3, 0,1)" },
  "device-read-bps": { type: "string", multiple: true, description: "Limit read rate (bytes per second) from a device" },
  "device-write-bps": { type: "string", multiple: true, description: "Limit write rate (bytes per second) to a device" },
  "kernel-memory": { type: "string", valueHint: "bytes", description: "Kernel memory limit (not supported)" },
  memory: { type: "string", alias: "m", valueHint: "bytes", description: "Memory limit" },
  "memory-reservation": { type: "string", valueHint: "bytes", description: "Memory soft limit" },
  "memory-swap": { type: "string", valueHint: "bytes", description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  "memory-swappiness": { type: "string", valueHint: "int", description: "Tune container memory swappiness (0 to 100)" },
  "oom-kill-disable": { type: "boolean", description: "Disable OOM Killer" },
  "pids-limit": { type: "string", valueHint: "int", description: "Tune container pids limit (-1 for unlimited)" },
};

export function resourceFlagsFrom(args: ParsedArgs): ResourceFlags {
  return {
    memory: str(args, "memory"),
    memorySwap: str(args, "memory-swap"),
    memoryReservation: str(args, "memory-reservation"),
    memorySwappiness: str(args, "memory-swappiness"),
    kernelMemory: str(args, "kernel-memory"),
    oomKillDisable: bool(args, "oom-kill-disable"),
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
  };
}
