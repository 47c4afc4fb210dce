/**
 * A container's cgroup, whatever the host runs: cgroup v2 (one unified
 * hierarchy) or v1 (one hierarchy per controller, as on this project's own
 * hybrid host). Both implement this interface; `detectCgroupVersion` picks.
 */
import { mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Resources } from "../../spec/types.ts";

export interface CgroupStats {
  /** total CPU time used, nanoseconds */
  cpuUsageNs?: number;
  memoryUsage?: number;
  memoryLimit?: number;
  pids?: number;
  pidsLimit?: number;
  blockRead?: number;
  blockWrite?: number;
}

export interface Cgroup {
  readonly version: 1 | 2;
  /** path below the hierarchy root: /burrow/ID */
  readonly path: string;
  /** v2 only: its one directory (a child can be cloned straight into it) */
  readonly unifiedDir?: string;
  /** make the directories (idempotent) and write the limits */
  create(resources: Resources | undefined): void;
  /** change the limits of a running container */
  update(resources: Resources): void;
  addProcess(pid: number): void;
  /** true once the kernel's OOM killer killed something in it */
  oomKilled(): boolean;
  /** the memory limit in bytes, if one is set */
  memoryLimit(): number | undefined;
  stats(): CgroupStats;
  /** SIGKILL to every process in it (also those a pid namespace would not reach) */
  killAll(): void;
  /** kill every process in it, wait for them, remove the directories */
  destroy(): void;
  exists(): boolean;
}

export type CgroupVersion = 1 | 2;

let detected: CgroupVersion | undefined;

/** v2 when /sys/fs/cgroup itself is cgroup2, else v1 (pure or hybrid). */
export function detectCgroupVersion(): CgroupVersion {
  if (detected) return detected;
  const mounts = readFileSync("/proc/self/mounts", "utf8");
  detected = /^\S+ \/sys\/fs\/cgroup cgroup2 /m.test(mounts) ? 2 : 1;
  return detected;
}

/** A process's cgroup v2 path (the "0::" line of /proc/PID/cgroup), or undefined. */
export function unifiedCgroupOf(pid: number | "self"): string | undefined {
  try {
    return /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

/** Wait a moment for the kernel to release a cgroup whose last process just died. */
export function retryBusy(fn: () => void, attempts = 100): void {
  for (let i = 0; ; i++) {
    try {
      fn();
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== "EBUSY" || i >= attempts) throw err;
      Bun.sleepSync(i < 10 ? 1 : 10);
    }
  }
}

/**
 * Remove a cgroup directory and then its ancestors below `stopAt` that are
 * left empty (the shared "burrow" parent), so that nothing named after
 * burrow outlives the last container. A parent still in use stays.
 */
export function removeWithParents(dir: string, stopAt: string): void {
  retryBusy(() => {
    try {
      rmdirSync(dir);
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
    }
  });
  for (let parent = dirname(dir); parent.startsWith(`${stopAt}/`); parent = dirname(parent)) {
    try {
      rmdirSync(parent);
    } catch {
      return; // another container's cgroup is in it, or it is gone
    }
  }
}

/**
 * mkdir -p of a cgroup path; a parent removed by another burrow's clean-up
 * between two steps is made again.
 */
export function makeCgroupDirs(root: string, path: string, onCreated?: (dir: string, parent: string) => void): void {
  for (let attempt = 0; ; attempt++) {
    try {
      let current = root;
      for (const part of path.split("/").filter(Boolean)) {
        const parent = current;
        current = join(current, part);
        try {
          mkdirSync(current);
          onCreated?.(current, parent);
        } catch (err) {
          if ((err as { code?: string }).code !== "EEXIST") throw err;
        }
      }
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT" || attempt >= 10) throw err;
    }
  }
}
