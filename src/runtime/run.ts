/**
 * `burrow run` in the foreground: create the state dir, build the spec,
 * launch, wait with signals forwarded, clean up, return the exit code.
 */
import { closeSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { debug } from "../debug.ts";
import { buildRunSpec } from "../spec/from-run-options.ts";
import type { RunOptions } from "../spec/run-options.ts";
import type { Spec } from "../spec/types.ts";
import { waitChild } from "../linux/launcher.ts";
import { generateName, newContainerId, validateName } from "./id.ts";
import { launch } from "./launch.ts";
import { prepareReadonlyMountpoints } from "./mountpoints.ts";
import { createStateDir, processStartTime, removeStateDir, saveState, sweepStale, type ContainerState } from "./state.ts";

export interface RunResult {
  id: string;
  exitCode: number;
  /** set when the container was killed by a signal */
  signal?: number;
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
  try {
    const spec = buildRunSpec(opts, { id, stateDir });
    onSpec?.(spec);
    prepareReadonlyMountpoints(spec);
    debug("spec built");
    const rootMountpoint = join(stateDir, "rootfs");
    mkdirSync(rootMountpoint);
    const child = launch(spec, { rootMountpoint, init: opts.init });
    state.status = "running";
    state.pid = child.pid;
    saveState(state);
    const result = waitChild(child.pidfd);
    closeSync(child.pidfd);
    debug(`exited: ${result.exitCode}`);
    return { id, ...result };
  } finally {
    removeStateDir(id);
  }
}
