/**
 * `burrow run`: make the container (state dir, name, spec, cgroup), then
 * either hold it in the foreground (wait, relay a terminal, forward signals)
 * or hand it to a monitor and return (-d).
 */
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { debug } from "../debug.ts";
import type { Cgroup } from "../linux/cgroup/cgroup.ts";
import { isTerminal, rawTerminal, receiveFd, relayTerminal, restoreTerminal, socketPair, waitChild } from "../linux/launcher.ts";
import { log } from "../log.ts";
import { buildRunSpec } from "../spec/from-run-options.ts";
import type { RunOptions } from "../spec/run-options.ts";
import type { Spec } from "../spec/types.ts";
import { openCgroup, planCgroup } from "./container-cgroup.ts";
import { saveSpec } from "./container-files.ts";
import { generateName, newContainerId, validateName } from "./id.ts";
import { launch, launchDetached } from "./launch.ts";
import { exitCommand, MONITOR_FDS } from "./monitor.ts";
import { prepareReadonlyMountpoints, prepareWorkdir } from "./mountpoints.ts";
import { releaseName, reserveName } from "./names.ts";
import { removeContainerData } from "./container-data.ts";
import { containerDataDir, roots } from "./paths.ts";
import { startFuseOverlay, stopFuseOverlay } from "./fuse-overlay.ts";
import { overlayOf } from "../spec/overlay.ts";
import { resolveImage, type ResolvedImage } from "../image/resolve.ts";
import { createStateDir, processStartTime, removeStateDir, saveState, sweepStale, type ContainerState, type RestartPolicy } from "./state.ts";

export interface RunResult {
  id: string;
  exitCode: number;
  /** set when the container was killed by a signal */
  signal?: number;
  /** the kernel's OOM killer killed a process of the container */
  oomKilled?: boolean;
  memoryLimit?: number;
}

interface Prepared {
  state: ContainerState;
  stateDir: string;
  spec: Spec;
  cgroup?: Cgroup;
}

/** Everything up to the launch; on failure nothing is left. */
function prepare(opts: RunOptions, detached: boolean, restartPolicy?: RestartPolicy): Prepared {
  sweepStale();
  const image = opts.image ? resolveImage(opts.image) : undefined;
  const id = newContainerId();
  const name = opts.name ? validateName(opts.name) : generateName(id);
  const state: ContainerState = {
    id,
    name,
    status: "creating",
    image: image?.name ?? opts.rootfs ?? "",
    imageId: image?.record.id,
    command: opts.command,
    created: new Date().toISOString(),
    detached,
    tty: opts.tty ?? false,
    interactive: opts.interactive ?? false,
    autoRemove: opts.rm ?? false,
    init: opts.init ?? false,
    stopSignal: opts.stopSignal ?? image?.config.config?.StopSignal,
    restartPolicy,
    restartCount: 0,
    logOptions: opts.logOptions,
    // the creator owns it until a monitor takes over: if it dies first, the sweep cleans up
    owner: { pid: process.pid, startTime: processStartTime(process.pid) ?? "" },
  };
  // the state dir first, the name second: a name whose container dir does not
  // exist is a crash's leftover and may be taken over, so the dir must exist by then
  const stateDir = createStateDir(state);
  try {
    reserveName(name, id);
  } catch (err) {
    removeStateDir(id);
    throw err;
  }
  debug(`state dir ${stateDir}`);
  let cgroup: Cgroup | undefined;
  try {
    const spec = buildRunSpec(opts, { id, stateDir, image: image ? makeContainerLayer(id, image) : undefined });
    saveSpec(id, spec);
    prepareReadonlyMountpoints(spec);
    prepareWorkdir(spec);
    debug("spec built");
    cgroup = makeCgroup(spec, state);
    mkdirSync(join(stateDir, "rootfs"));
    return { state, stateDir, spec, cgroup };
  } catch (err) {
    discard(state, cgroup);
    throw err;
  }
}

/** The container's own writable layer over the image's (upper and work dirs of the overlay). */
function makeContainerLayer(id: string, resolved: ResolvedImage) {
  const dir = containerDataDir(id);
  mkdirSync(join(dir, "upper"), { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, "work"), { mode: 0o700 });
  return { resolved, upper: join(dir, "upper"), work: join(dir, "work") };
}

/** Remove every trace of a container that never ran or is done. */
function discard(state: ContainerState, cgroup: Cgroup | undefined): void {
  stopRootDaemon(state);
  cgroup?.destroy();
  removeContainerData(state.id);
  removeStateDir(state.id);
  releaseName(state.name, state.id);
}

export function runForeground(opts: RunOptions): RunResult {
  const { state, stateDir, spec, cgroup } = prepare(opts, false);
  const rootMountpoint = join(stateDir, "rootfs");
  let kept = false;
  try {
    const tty = opts.tty ? socketPair() : undefined;
    const nullFd = !opts.tty && !opts.interactive ? openSync("/dev/null", "r") : undefined;
    let child;
    try {
      child = launch(spec, {
        rootMountpoint,
        init: opts.init,
        // without -i the container reads nothing, as with Docker
        stdio: tty ? { kind: "pty", socket: tty[1] } : nullFd !== undefined ? { kind: "dup", stdin: nullFd } : undefined,
        cgroup,
        beforeStart: beforeStart(spec, state, rootMountpoint, true),
      });
    } finally {
      if (tty) closeSync(tty[1]);
      if (nullFd !== undefined) closeSync(nullFd);
    }
    Object.assign(state, { status: "running", pid: child.pid, pidStartTime: processStartTime(child.pid), startedAt: new Date().toISOString() });
    saveState(state);
    if (tty) relay(tty[0], child.pidfd, opts.interactive ?? false);
    const result: RunResult = { id: state.id, ...waitChild(child.pidfd) };
    closeSync(child.pidfd);
    stopRootDaemon(state);
    debug(`exited: ${result.exitCode}`);
    if (cgroup && result.exitCode === 137 && cgroup.oomKilled()) {
      result.oomKilled = true;
      result.memoryLimit = cgroup.memoryLimit();
    }
    if (!opts.rm) {
      // like Docker, an exited container stays until `rm` (unless --rm)
      cgroup?.destroy();
      Object.assign(state, {
        status: "exited",
        exitCode: result.exitCode,
        oomKilled: result.oomKilled ?? false,
        finishedAt: new Date().toISOString(),
        owner: undefined,
      });
      saveState(state);
      kept = true;
    }
    return result;
  } finally {
    if (!kept) discard(state, cgroup);
    debug("cleaned up");
  }
}

/** The foreground terminal: the caller's tty raw, bytes both ways, until exit. */
function relay(socket: number, pidfd: number, interactive: boolean): void {
  const master = receiveFd(socket, "terminal");
  closeSync(socket);
  const raw = interactive && isTerminal(0) && rawTerminal(0);
  try {
    const sizeFrom = isTerminal(0) ? 0 : isTerminal(1) ? 1 : -1;
    relayTerminal(master, interactive ? 0 : -1, 1, pidfd, sizeFrom);
  } finally {
    if (raw) restoreTerminal();
    closeSync(master);
  }
}

/** run -d: a monitor holds the container; returns its id. */
export function runDetached(opts: RunOptions, restartPolicy?: RestartPolicy): string {
  const { state, stateDir, spec, cgroup } = prepare(opts, true, restartPolicy);
  try {
    startPrepared(state, stateDir, spec, cgroup);
    return state.id;
  } catch (err) {
    discard(state, cgroup);
    throw err;
  }
}

/** Launch a made container under a new monitor (run -d, start, restart). */
export function startPrepared(state: ContainerState, stateDir: string, spec: Spec, cgroup: Cgroup | undefined): void {
  const rootMountpoint = join(stateDir, "rootfs");
  const stdio = state.tty
    ? ({ kind: "pty", socket: MONITOR_FDS.ptySocket } as const)
    : ({ kind: "dup", stdin: MONITOR_FDS.stdin, stdout: MONITOR_FDS.stdout, stderr: MONITOR_FDS.stderr } as const);
  const launched = launchDetached(
    spec,
    { rootMountpoint, init: state.init, stdio, cgroup, beforeStart: beforeStart(spec, state, rootMountpoint, false) },
    {
      stateDir,
      tty: state.tty ?? false,
      stdin: state.interactive ?? false,
      logMaxSize: state.logOptions?.maxSize,
      logMaxFiles: state.logOptions?.maxFile,
      exitCommand: exitCommand(state.id),
    },
  );
  Object.assign(state, {
    status: "running",
    pid: launched.pid,
    pidStartTime: processStartTime(launched.pid),
    monitor: { pid: launched.monitorPid!, startTime: processStartTime(launched.monitorPid!) ?? "" },
    owner: undefined,
    startedAt: new Date().toISOString(),
    finishedAt: undefined,
    exitCode: undefined,
    oomKilled: undefined,
  });
  saveState(state);
}

/**
 * The parent's last step between clone and "go", once the child is in its
 * cgroup: a fuse-overlayfs root, when the spec asks for one (recorded in the state).
 */
function beforeStart(spec: Spec, state: ContainerState, mountpoint: string, foreground: boolean) {
  return (pid: number) => {
    const overlay = overlayOf(spec);
    if (overlay?.driver !== "fuse") return;
    const userns = spec.linux.namespaces.some((ns) => ns.type === "user" && !ns.path);
    const { pidfd, ...daemon } = startFuseOverlay(overlay, { containerPid: pid, userns, mountpoint, dieWithParent: foreground });
    state.overlayDaemon = daemon;
    if (foreground) daemonPidfds.set(daemon.pid, pidfd);
    else closeSync(pidfd); // `run -d` ends now: whoever inherits the daemon reaps it
    debug(`fuse-overlayfs ${daemon.pid}`);
  };
}

/** pidfds of the fuse-overlayfs daemons this process started and reaps */
const daemonPidfds = new Map<number, number>();

/** Stop the container's fuse-overlayfs, if it has one (its processes are gone). */
export function stopRootDaemon(state: ContainerState): void {
  const daemon = state.overlayDaemon;
  if (!daemon) return;
  const pidfd = daemonPidfds.get(daemon.pid);
  daemonPidfds.delete(daemon.pid);
  stopFuseOverlay(daemon, pidfd);
  if (pidfd !== undefined) closeSync(pidfd);
  state.overlayDaemon = undefined;
}

/** The container's cgroup with its limits, recorded in its state first. */
export function makeCgroup(spec: Spec, state: ContainerState): Cgroup | undefined {
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
