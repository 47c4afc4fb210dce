/**
 * Capability names and numbers (linux/capability.h), and sets as bitmasks.
 */
import { readFileSync } from "node:fs";
import { usageError } from "../errors.ts";

const NAMES = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
  "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
  "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
  "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
  "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
  "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
] as const;

/** The highest capability this kernel knows. */
export function lastCap(): number {
  try {
    return Number.parseInt(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8"), 10);
  } catch {
    return NAMES.length - 1;
  }
}

/**
 * Every capability burrow may give: the ones this kernel knows that are in
 * burrow's own bounding set (a nested host may withhold some, such as
 * CAP_SYS_RESOURCE, and asking for them fails with EPERM).
 */
export function allCapabilities(): string[] {
  const own = ownBoundingSet();
  return NAMES.slice(0, lastCap() + 1)
    .filter((_, i) => (own >> BigInt(i)) & 1n)
    .map((n) => `CAP_${n}`);
}

function ownBoundingSet(): bigint {
  try {
    const hex = /^CapBnd:\s+([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    return hex ? BigInt(`0x${hex}`) : ~0n;
  } catch {
    return ~0n;
  }
}

/** "net_admin", "NET_ADMIN", "CAP_NET_ADMIN" → "CAP_NET_ADMIN"; "ALL" stays. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === "ALL") return upper;
  const full = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (!NAMES.includes(full.slice(4) as (typeof NAMES)[number])) throw usageError(`unknown capability "${name}"`);
  return full;
}

export function capabilityMask(names: readonly string[] | undefined): bigint {
  let mask = 0n;
  for (const name of names ?? []) {
    const index = NAMES.indexOf(name.replace(/^CAP_/, "") as (typeof NAMES)[number]);
    if (index < 0) throw usageError(`unknown capability "${name}"`);
    mask |= 1n << BigInt(index);
  }
  return mask;
}
