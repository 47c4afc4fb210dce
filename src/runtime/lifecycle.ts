/**
 * What happens to a container after it started: it exits (the monitor's
 * exit command lands in `finalize`), is stopped, killed, started again,
 * waited for, removed. Every change is made under the container's lock, and
 * the state is checked against the kernel (is the process still there?), so
 * `ps` tells the truth after a crash.
 */
import { closeSync, existsSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import { pidfdOpen, signalChild } from "../linux/launcher.ts";
import { parseSignal } from "../linux/signals.ts";
import { openCgroup } from "./container-cgroup.ts";
import { loadSpec, recordedExitCode } from "./container-files.ts";
import { withContainerLock } from "./lock.ts";
import { releaseName } from "./names.ts";
import { removeContainerData } from "./container-data.ts";
import { containerDir } from "./paths.ts";
import { makeCgroup, startPrepared, stopRootDaemon } from "./run.ts";
import { isAlive, loadState, processStartTime, removeStateDir, saveState, type ContainerState } from "./state.ts";

/** The container's main process is still the one we started. */
export function isRunning(state: ContainerState): boolean {
  if (state.status !== "running" || !state.pid) return false;
  const start = processStartTime(state.pid);
  return start !== undefined && (state.pidStartTime === undefined || start === state.pidStartTime);
}

/**
 * Make the record agree with the kernel: a detached container whose process
 * is gone has exited (with the code its monitor recorded, or -1 when nobody
 * lived to record it).
 */
export function refresh(state: ContainerState): ContainerState {
  if (state.status !== "running" || isRunning(state)) return state;
  if (state.owner) return state; // a foreground burrow finishes its own
  return finalize(state.id, recordedExitCode(state.id)) ?? state;
}

/** Record that the container exited; apply --rm and the restart policy. */
export function finalize(id: string, exitCode: number | undefined): ContainerState | undefined {
  let restart = false;
  const state = withContainerLock(id, () => {
    const s = loadState(id);
    if (!s || s.status !== "running" || isRunning(s)) return s;
    const cgroup = s.cgroup ? openCgroup(s.cgroup) : undefined;
    const code = exitCode ?? -1;
    const oom = code === 137 && (cgroup?.oomKilled() ?? false);
    stopRootDaemon(s);
    cgroup?.destroy();
    Object.assign(s, { status: "exited", exitCode: code, oomKilled: oom, finishedAt: new Date().toISOString(), monitor: undefined });
    saveState(s);
    restart = !s.autoRemove && shouldRestart(s);
    return s;
  });
  if (!state) return undefined;
  if (state.status === "exited" && state.autoRemove) {
    destroyContainer(id);
    return state;
  }
  if (restart) startContainer(id, true);
  return loadState(id) ?? state;
}

function shouldRestart(s: ContainerState): boolean {
  const policy = s.restartPolicy;
  if (!policy || policy.name === "no" || s.stoppedByUser) return false;
  if (policy.name === "on-failure") {
    const max = policy.maximumRetryCount ?? 0;
    return s.exitCode !== 0 && (max === 0 || (s.restartCount ?? 0) < max);
  }
  return true; // always, unless-stopped
}

/**
 * Start a created or exited container again, under a new monitor. A
 * restart by policy counts in the same write that says it runs, so nobody
 * sees the new count on the old run.
 */
export function startContainer(id: string, byPolicy = false): void {
  const result = withContainerLock(id, () => {
    const state = loadState(id);
    if (!state) return "gone";
    if (isRunning(state)) return "running";
    const spec = loadSpec(id);
    const cgroup = makeCgroup(spec, state);
    state.stoppedByUser = false;
    state.detached = true;
    state.owner = undefined;
    if (byPolicy) state.restartCount = (state.restartCount ?? 0) + 1;
    try {
      startPrepared(state, containerDir(id), spec, cgroup);
    } catch (err) {
      stopRootDaemon(state);
      cgroup?.destroy();
      Object.assign(state, { status: "exited", exitCode: (err as BurrowError).exitCode ?? 125, finishedAt: new Date().toISOString() });
      saveState(state);
      throw err;
    }
    return "started";
  });
  if (result === undefined || result === "gone") throw new BurrowError({ step: "No such container:", object: id, exitCode: 1 });
}

/** Send a signal to the container's main process (SIGKILL: to every process in its cgroup). */
export function signalContainer(state: ContainerState, signal: number): void {
  if (!isRunning(state)) {
    throw new BurrowError({ step: "cannot kill container:", object: state.name, reason: "the container is not running", exitCode: 1 });
  }
  const pidfd = pidfdOpen(state.pid!);
  if (pidfd !== undefined) {
    try {
      signalChild(pidfd, signal);
    } finally {
      closeSync(pidfd);
    }
  }
}

export function killContainer(state: ContainerState, signalName: string): void {
  const signal = parseSignal(signalName);
  withContainerLock(state.id, () => {
    const s = loadState(state.id);
    if (s && (signal === 9 || signal === 15)) {
      s.stoppedByUser = true;
      saveState(s);
    }
  });
  signalContainer(state, signal);
}

/** Wait until the container's process is gone, up to `ms`; true if it is. */
async function waitGone(state: ContainerState, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (isRunning(state)) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(20);
  }
  return true;
}

/** The stop signal, then SIGKILL after `timeoutSeconds`; returns once it has exited. */
export async function stopContainer(state: ContainerState, timeoutSeconds: number): Promise<void> {
  withContainerLock(state.id, () => {
    const s = loadState(state.id);
    if (s) {
      s.stoppedByUser = true;
      saveState(s);
    }
  });
  try {
    signalContainer(state, parseSignal(state.stopSignal ?? "SIGTERM"));
  } catch {
    // exited meanwhile
  }
  if (!(await waitGone(state, timeoutSeconds * 1000))) {
    killEverything(state);
    try {
      signalContainer(state, 9);
    } catch {
      // gone
    }
    await waitGone(state, 10_000);
  }
  await settled(state.id);
}

/** Every process of the container, also those outside its pid namespace's reach (--pid host). */
function killEverything(state: ContainerState): void {
  if (state.cgroup) openCgroup(state.cgroup).killAll();
}

/** After the process is gone: let the monitor's exit command record it, or record it ourselves. */
async function settled(id: string): Promise<ContainerState | undefined> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const s = loadState(id);
    if (!s || s.status !== "running") return s;
    const monitorAlive = s.monitor ? isAlive(s.monitor) : false;
    if ((!monitorAlive && !s.owner) || performance.now() > deadline) return refresh(s);
    await Bun.sleep(20);
  }
}

/** Block until the container has exited; its exit code. */
export async function waitContainer(id: string): Promise<number> {
  for (;;) {
    const s = loadState(id);
    if (!s) throw new BurrowError({ step: "No such container:", object: id, exitCode: 1 });
    const current = refresh(s);
    if (current.status === "exited" || current.status === "created") return current.exitCode ?? -1;
    await Bun.sleep(50);
  }
}

/** Remove a container that is not running (force: kill it first). */
export async function removeContainer(id: string, force = false): Promise<void> {
  const state = loadState(id);
  if (!state) return;
  if (isRunning(state)) {
    if (!force) {
      throw new BurrowError({
        step: "cannot remove container",
        object: `"${state.name}"`,
        reason: "container is running: stop the container before removing or force remove",
        exitCode: 1,
      });
    }
    state.stoppedByUser = true;
    try {
      signalContainer(state, 9);
    } catch {
      // gone meanwhile
    }
    killEverything(state);
    await waitGone(state, 10_000);
    await settled(id);
  }
  destroyContainer(id);
}

/** Remove everything of a container that is not running: cgroup, state dir, name. */
export function destroyContainer(id: string): void {
  withContainerLock(id, () => {
    const s = loadState(id);
    if (s) stopRootDaemon(s);
    if (s?.cgroup) openCgroup(s.cgroup).destroy();
    removeContainerData(id);
    removeStateDir(id);
    if (s) releaseName(s.name, id);
  });
  if (existsSync(containerDir(id))) removeStateDir(id);
}
