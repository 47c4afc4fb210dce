/**
 * A container's state directory: its record (state.json) and the files it
 * mounts (hostname, hosts, resolv.conf). Made before anything else, so that
 * whatever a crash leaves can be found and removed by the next command.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openCgroup, type CgroupRecord } from "./container-cgroup.ts";
import { removeContainerData } from "./container-data.ts";
import type { FuseDaemon } from "./fuse-overlay.ts";
import { containerDir, containersDir } from "./paths.ts";

/** Docker's words: created, running, exited (and "creating" while burrow builds it) */
export type Status = "creating" | "created" | "running" | "exited";

export type RestartPolicy = { name: "no" | "always" | "unless-stopped" | "on-failure"; maximumRetryCount?: number };

export interface ContainerState {
  id: string;
  name: string;
  status: Status;
  /** the container's init process, host pid, and its start time (pids are reused) */
  pid?: number;
  pidStartTime?: string;
  /** burrow process that holds a foreground container, with its start time */
  owner?: { pid: number; startTime: string };
  /** the monitor that holds a detached container */
  monitor?: { pid: number; startTime: string };
  /** what it runs: rootfs (or image) and command, for ps and inspect */
  image: string;
  /** the image's id, when it runs one: rmi refuses while a container uses it */
  imageId?: string;
  command: string[];
  created: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  detached?: boolean;
  tty?: boolean;
  interactive?: boolean;
  autoRemove?: boolean;
  init?: boolean;
  stopSignal?: string;
  restartPolicy?: RestartPolicy;
  restartCount?: number;
  /** set by stop/kill: the restart policy does not bring it back */
  stoppedByUser?: boolean;
  logOptions?: { maxSize?: number; maxFile?: number };
  /** recorded before the cgroup is made, so a crash cannot orphan it */
  cgroup?: CgroupRecord;
  /** the fuse-overlayfs serving its root, while it runs (fuse-overlay.ts) */
  overlayDaemon?: FuseDaemon;
}

/** Write a file so that readers see either the old or the new content. */
export function writeAtomic(path: string, content: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/**
 * Make the directory and its record in one step: built under a hidden
 * name and renamed into place, so a crash never leaves a directory without
 * state.json (a hidden one carries its maker's pid for the sweep).
 */
export function createStateDir(state: ContainerState): string {
  mkdirSync(containersDir(), { recursive: true, mode: 0o711 });
  const dir = containerDir(state.id);
  const tmp = join(containersDir(), `.${state.id}.${process.pid}`);
  mkdirSync(tmp, { mode: 0o711 });
  writeFileSync(join(tmp, "state.json"), JSON.stringify(state, null, 2));
  renameSync(tmp, dir); // fails if the id exists: never share a dir
  return dir;
}

export function saveState(state: ContainerState): void {
  writeAtomic(join(containerDir(state.id), "state.json"), JSON.stringify(state, null, 2));
}

export function loadState(id: string): ContainerState | undefined {
  try {
    return JSON.parse(readFileSync(join(containerDir(id), "state.json"), "utf8")) as ContainerState;
  } catch {
    return undefined;
  }
}

/**
 * Renamed out of the way first, then deleted: a burrow killed half-way
 * through leaves a hidden dir with its pid (which the sweep removes), never
 * a container dir without its state.json.
 */
export function removeStateDir(id: string): void {
  const doomed = join(containersDir(), `.${id}.rm.${process.pid}`);
  try {
    renameSync(containerDir(id), doomed);
  } catch {
    return; // gone already
  }
  rmSync(doomed, { recursive: true, force: true });
}

/**
 * Process start time (field 22 of /proc/PID/stat): a pid with its start time
 * names one process forever. A zombie counts as gone: it is dead, only not
 * yet reaped by a parent that may never do so.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name may contain spaces and parentheses: count from the last ')'
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" || fields[0] === "X" ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export function isAlive(owner: { pid: number; startTime: string }): boolean {
  return processStartTime(owner.pid) === owner.startTime;
}

/**
 * Remove the state of foreground containers whose burrow died (SIGKILL,
 * power loss): their processes died with it (PDEATHSIG), their mounts with
 * their mount namespace; their cgroup and directory are left.
 */
export function sweepStale(): void {
  let ids: string[];
  try {
    ids = readdirSync(containersDir());
  } catch {
    return;
  }
  for (const id of ids) {
    if (id.startsWith(".")) {
      const maker = Number(id.split(".").pop());
      if (!processStartTime(maker)) rmSync(join(containersDir(), id), { recursive: true, force: true });
      continue;
    }
    const state = loadState(id);
    if (state?.owner && !isAlive(state.owner)) {
      if (state.cgroup) openCgroup(state.cgroup).destroy();
      removeContainerData(id);
      removeStateDir(id);
    }
  }
}
