/**
 * Docker's resource flags as the runtime spec's linux.resources, checked
 * the way Docker checks them before anything is created.
 */
import { statSync } from "node:fs";
import { fromSystemError, usageError } from "../errors.ts";
import type { Resources, ThrottleDevice } from "./types.ts";
import { parseBytes, parseBytesOrUnlimited, parseCpus } from "./units.ts";

export interface ResourceFlags {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  memorySwappiness?: string;
  kernelMemory?: string;
  oomKillDisable?: boolean;
  cpus?: string;
  cpuShares?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  blkioWeight?: string;
  deviceReadBps?: string[];
  deviceWriteBps?: string[];
}

const MIN_MEMORY = 6 * 1024 * 1024;
const DEFAULT_CPU_PERIOD = 100_000;

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw usageError(`invalid value "${text}": expected an integer`, flag);
  return Number(text);
}

const RESOURCE_KEYS: ReadonlyArray<keyof ResourceFlags> = [
  "memory", "memorySwap", "memoryReservation", "memorySwappiness", "kernelMemory", "oomKillDisable", "cpus",
  "cpuShares", "cpuPeriod", "cpuQuota", "cpusetCpus", "cpusetMems", "pidsLimit", "blkioWeight", "deviceReadBps", "deviceWriteBps",
];

export function hasResourceFlags(f: ResourceFlags): boolean {
  return RESOURCE_KEYS.some((k) => {
    const v = f[k];
    return v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
  });
}

export function buildResources(f: ResourceFlags): Resources | undefined {
  if (!hasResourceFlags(f)) return undefined;
  if (f.kernelMemory !== undefined) {
    throw usageError("--kernel-memory is not supported: the kernel removed kernel memory limits (cgroup v1 kmem is deprecated, v2 has none)", "--kernel-memory");
  }
  const r: Resources = {};

  if (f.memory !== undefined || f.memorySwap !== undefined || f.memoryReservation !== undefined || f.memorySwappiness !== undefined || f.oomKillDisable) {
    const limit = f.memory !== undefined ? parseBytes(f.memory, "--memory") : undefined;
    if (limit !== undefined && limit < MIN_MEMORY) throw usageError("minimum memory limit allowed is 6MB", "--memory");
    const swap = f.memorySwap !== undefined ? parseBytesOrUnlimited(f.memorySwap, "--memory-swap") : undefined;
    if (swap !== undefined && limit === undefined) throw usageError("you should always set the memory limit when using the memory swap limit", "--memory-swap");
    if (swap !== undefined && swap !== -1 && limit !== undefined && swap < limit) {
      throw usageError("minimum memory-swap limit should be larger than the memory limit, see usage", "--memory-swap");
    }
    const reservation = f.memoryReservation !== undefined ? parseBytes(f.memoryReservation, "--memory-reservation") : undefined;
    if (reservation !== undefined && limit !== undefined && reservation > limit) {
      throw usageError("minimum memory limit can not be less than memory reservation limit, see usage", "--memory-reservation");
    }
    const swappiness = f.memorySwappiness !== undefined ? integer(f.memorySwappiness, "--memory-swappiness") : undefined;
    if (swappiness !== undefined && (swappiness < -1 || swappiness > 100)) throw usageError("invalid value: memory swappiness must be in the range 0-100", "--memory-swappiness");
    r.memory = { limit, swap, reservation, swappiness: swappiness === -1 ? undefined : swappiness, disableOOMKiller: f.oomKillDisable || undefined };
  }

  const cpu: NonNullable<Resources["cpu"]> = {};
  if (f.cpus !== undefined) {
    if (f.cpuPeriod !== undefined || f.cpuQuota !== undefined) {
      throw usageError("conflicting options: --cpus cannot be used with --cpu-period or --cpu-quota", "--cpus");
    }
    cpu.period = DEFAULT_CPU_PERIOD;
    cpu.quota = Math.round(parseCpus(f.cpus, "--cpus") * DEFAULT_CPU_PERIOD);
  }
  if (f.cpuPeriod !== undefined) {
    cpu.period = integer(f.cpuPeriod, "--cpu-period");
    if (cpu.period < 1000 || cpu.period > 1_000_000) throw usageError("CPU cfs period can not be less than 1ms (1000) or larger than 1s (1000000)", "--cpu-period");
  }
  if (f.cpuQuota !== undefined) {
    cpu.quota = integer(f.cpuQuota, "--cpu-quota");
    if (cpu.quota > 0 && cpu.quota < 1000) throw usageError("CPU cfs quota can not be less than 1ms (1000)", "--cpu-quota");
    cpu.period ??= DEFAULT_CPU_PERIOD;
  }
  if (f.cpuShares !== undefined) {
    cpu.shares = integer(f.cpuShares, "--cpu-shares");
    if (cpu.shares < 0) throw usageError("invalid CPU shares: must be positive", "--cpu-shares");
    if (cpu.shares === 0) delete cpu.shares; // Docker: 0 means the default
    else cpu.shares = Math.min(Math.max(cpu.shares, 2), 262144);
  }
  if (f.cpusetCpus !== undefined) cpu.cpus = checkCpuList(f.cpusetCpus, "--cpuset-cpus");
  if (f.cpusetMems !== undefined) cpu.mems = checkCpuList(f.cpusetMems, "--cpuset-mems");
  if (Object.keys(cpu).length > 0) r.cpu = cpu;

  if (f.pidsLimit !== undefined) {
    const limit = integer(f.pidsLimit, "--pids-limit");
    r.pids = { limit: limit <= 0 ? -1 : limit };
  }

  if (f.blkioWeight !== undefined || (f.deviceReadBps?.length ?? 0) > 0 || (f.deviceWriteBps?.length ?? 0) > 0) {
    const weight = f.blkioWeight !== undefined ? integer(f.blkioWeight, "--blkio-weight") : undefined;
    if (weight !== undefined && weight !== 0 && (weight < 10 || weight > 1000)) throw usageError("range of blkio weight is from 10 to 1000", "--blkio-weight");
    r.blockIO = {
      weight: weight || undefined,
      throttleReadBpsDevice: (f.deviceReadBps ?? []).map((d) => parseDeviceRate(d, "--device-read-bps")),
      throttleWriteBpsDevice: (f.deviceWriteBps ?? []).map((d) => parseDeviceRate(d, "--device-write-bps")),
    };
  }
  return r;
}

function checkCpuList(text: string, flag: string): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) throw usageError(`invalid value "${text}": expected a list such as 0-3,5`, flag);
  return text;
}

/** "/dev/sda:1mb" → the device's numbers and bytes per second */
function parseDeviceRate(text: string, flag: string): ThrottleDevice {
  const at = text.lastIndexOf(":");
  if (at <= 0) throw usageError(`bad format "${text}": expected DEVICE:RATE`, flag);
  const path = text.slice(0, at);
  let rdev: number;
  try {
    const st = statSync(path);
    if (!st.isBlockDevice()) throw usageError(`${path} is not a block device`, flag);
    rdev = st.rdev;
  } catch (err) {
    throw fromSystemError(err, "stat device", path);
  }
  const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >> 12) & ~0xff & 0xfffff);
  return { major, minor, rate: parseBytes(text.slice(at + 1), flag) };
}
