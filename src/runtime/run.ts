/**
 * `burrow run` in the foreground: create the state dir, build the spec,
 * launch, wait with signals forwarded, clean up, return the exit code.
 */
import { closeSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debug } from "../debug.ts";
import { buildRunSpec } from "../spec/from-run-options.ts";
import type { RunOptions } from "../spec/run-options.ts";
import type { Spec } from "../spec/types.ts";
import type { Cgroup } from "../linux/cgroup/cgroup.ts";
import { waitChild } from "../linux/launcher.ts";
import { log } from "../log.ts";
import { openCgroup, planCgroup } from "./container-cgroup.ts";
import { generateName, newContainerId, validateName } from "./id.ts";
import { launch } from "./launch.ts";
import { prepareReadonlyMountpoints } from "./mountpoints.ts";
import { roots } from "./paths.ts";
import { createStateDir, processStartTime, removeStateDir, saveState, sweepStale, type ContainerState } from "./state.ts";

export interface RunResult {
  id: string;
  exitCode: number;
  /** set when the container was killed by a signal */
  signal?: number;
  /** the kernel's OOM killer killed a process of the container */
  oomKilled?: boolean;
  memoryLimit?: number;
}

export function runForeground(opts: RunOptions, onSpec?: (spec: Spec) => void): RunResult {
  sweepStale();
  const id = newContainerId();
  const state: ContainerState = {
    id,
    name: opts.name ? validateName(opts.name) : generateName(id),
    status: "creating",
    owner: { pid: process.pid, startTime: processStartTime(process.pid) ?? "" },
    created: new Date().toISOString(),
  };
  const stateDir = createStateDir(state);
  debug(`state dir ${stateDir}`);
  let cgroup: Cgroup | undefined;
  try {
    const spec = buildRunSpec(opts, { id, stateDir });
    onSpec?.(spec);
    prepareReadonlyMountpoints(spec);
    debug("spec built");
    cgroup = makeCgroup(spec, state);
    const rootMountpoint = join(stateDir, "rootfs");
    mkdirSync(rootMountpoint);
    const child = launch(spec, { rootMountpoint, init: opts.init, beforeStart: (pid) => cgroup?.addProcess(pid) });
    state.status = "running";
    state.pid = child.pid;
    saveState(state);
    const result: RunResult = { id, ...waitChild(child.pidfd) };
    closeSync(child.pidfd);
    debug(`exited: ${result.exitCode}`);
    if (cgroup && result.exitCode === 137 && cgroup.oomKilled()) {
      result.oomKilled = true;
      result.memoryLimit = cgroup.memoryLimit();
    }
    return result;
  } finally {
    cgroup?.destroy();
    removeStateDir(id);
  }
}

/** The container's cgroup with its limits, recorded in its state first. */
function makeCgroup(spec: Spec, state: ContainerState): Cgroup | undefined {
  const resources = spec.linux.resources;
  const record = planCgroup(spec.linux.cgroupsPath ?? `/burrow/${state.id}`, resources !== undefined);
  if (!record) {
    warnOnce("no-cgroup", "running without a cgroup: no delegated cgroup v2 subtree is writable by this user");
    return undefined;
  }
  state.cgroup = record;
  saveState(state);
  const cgroup = openCgroup(record);
  try {
    cgroup.create(resources);
  } catch (err) {
    cgroup.destroy();
    throw err;
  }
  debug(`cgroup ${record.path} (v${record.version})`);
  return cgroup;
}

/** A warning shown once per user and state root, not on every run. */
function warnOnce(key: string, message: string): void {
  const marker = join(roots().run, `.warned-${key}`);
  if (existsSync(marker)) return;
  log.warn(message);
  try {
    writeFileSync(marker, "");
  } catch {
    // the warning comes again next time: harmless
  }
}
