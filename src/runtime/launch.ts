/**
 * The parent's half of the launch sequence (see ../shared/DESIGN.md):
 *
 *   clone ─► write uid/gid maps ─► join the cgroup ─► caller's hooks
 *         (fuse-overlayfs) ─► "go" ─► read the error pipe: EOF means the
 *         command exec'd
 *
 * On cgroup v2 the child is born in its cgroup (clone3 CLONE_INTO_CGROUP,
 * here or in the monitor) and the join is skipped.
 *
 * The clone happens here (foreground) or in the monitor (detached); what
 * follows is the same.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { debug } from "../debug.ts";
import { BurrowError, ExitCode } from "../errors.ts";
import { needsSetgroupsDeny, writeIdMaps, type IdMaps } from "../linux/idmap.ts";
import { unifiedCgroupOf, type Cgroup } from "../linux/cgroup/cgroup.ts";
import { signalChild, spawnChild, stopForwarding, waitChild } from "../linux/launcher.ts";
import type { Spec } from "../spec/types.ts";
import { startMonitor, type MonitorOptions } from "./monitor.ts";
import { buildPlan, type Plan, type Stdio } from "./plan.ts";
import { Detail, encodePlan, Op, type PlanOp } from "./plan-format.ts";

export interface LaunchOptions {
  /** an empty directory, owned by the container's state, to mount the rootfs on */
  rootMountpoint: string;
  init?: boolean;
  stdio?: Stdio;
  /** the container's cgroup, made already: the child joins it before it may go on */
  cgroup?: Cgroup;
  /** runs after the child joined its cgroup and before it may go on */
  beforeStart?: (pid: number) => void;
}

/** What the parent does for a child between clone and "go". */
export interface ParentSteps {
  maps?: IdMaps;
  cgroup?: Cgroup;
  beforeStart?: (pid: number) => void;
  /** a helper (not the container) does not get the signals sent to burrow */
  helper?: boolean;
}

export interface Launched {
  pid: number;
  /** set when this process is the parent (foreground) */
  pidfd?: number;
  monitorPid?: number;
}

const SIGKILL = 9;

/** The id maps a spec asks for, when it makes a user namespace. */
export function idMapsOf(spec: Spec): IdMaps | undefined {
  const makesUserns = spec.linux.namespaces.some((ns) => ns.type === "user" && !ns.path);
  if (!makesUserns || !spec.linux.uidMappings || !spec.linux.gidMappings) return undefined;
  return { uid: spec.linux.uidMappings, gid: spec.linux.gidMappings };
}

function planFor(spec: Spec, opts: LaunchOptions, dieWithParent: boolean): Plan {
  const maps = idMapsOf(spec);
  return buildPlan(spec, {
    rootMountpoint: opts.rootMountpoint,
    init: opts.init,
    dieWithParent,
    stdio: opts.stdio,
    setgroupsDenied: maps ? needsSetgroupsDeny(maps) : false,
  });
}

/** Clone the container from this process and wait until it exec'd. */
export function launch(spec: Spec, opts: LaunchOptions): Launched & { pidfd: number } {
  const plan = planFor(spec, opts, true);
  return launchPlan(plan, { maps: idMapsOf(spec), cgroup: opts.cgroup, beforeStart: opts.beforeStart });
}

/** Run a plan from this process: clone, then the parent's steps. */
export function launchPlan(plan: Plan, steps: ParentSteps = {}): Launched & { pidfd: number } {
  const buffer = encodePlan(plan.ops, plan.cloneFlags);
  debug(`plan: ${plan.ops.length} steps, ${buffer.length} bytes`);
  const child = withCgroupDir(steps.cgroup, (cgroupFd) => spawnChild(buffer, { forwardSignals: !steps.helper, cgroupFd }));
  debug(`clone: pid ${child.pid}${child.inCgroup ? ", born in its cgroup" : ""}`);
  let failure: BurrowError | undefined;
  try {
    failure = finishLaunch(plan.ops, child, { ...steps, cgroup: child.inCgroup ? undefined : steps.cgroup });
  } catch (err) {
    if (!steps.helper) stopForwarding();
    signalChild(child.pidfd, SIGKILL);
    waitChild(child.pidfd);
    closeSync(child.pidfd);
    throw err;
  }
  if (failure) {
    waitChild(child.pidfd); // reap it
    closeSync(child.pidfd);
    throw failure;
  }
  return { pid: child.pid, pidfd: child.pidfd };
}

/** Hand the plan to a new monitor, which clones the container and holds it. */
export function launchDetached(spec: Spec, opts: LaunchOptions, monitor: MonitorOptions): Launched {
  const plan = planFor(spec, opts, false);
  const started = withCgroupDir(opts.cgroup, (cgroupFd) => startMonitor(encodePlan(plan.ops, plan.cloneFlags), { ...monitor, cgroupFd }));
  const inCgroup = opts.cgroup?.unifiedDir !== undefined && `/sys/fs/cgroup${unifiedCgroupOf(started.pid)}` === opts.cgroup.unifiedDir;
  debug(`monitor ${started.monitorPid}: container pid ${started.pid}${inCgroup ? ", born in its cgroup" : ""}`);
  let failure: BurrowError | undefined;
  try {
    failure = finishLaunch(plan.ops, started, { maps: idMapsOf(spec), cgroup: inCgroup ? undefined : opts.cgroup, beforeStart: opts.beforeStart });
  } catch (err) {
    try {
      process.kill(started.pid, "SIGKILL");
    } catch {
      // gone
    }
    throw err;
  }
  if (failure) throw failure;
  return { pid: started.pid, monitorPid: started.monitorPid };
}

interface Handshake {
  pid: number;
  syncFd: number;
  errorFd: number;
}

/**
 * Maps, hooks, "go", then the error pipe. Returns the child's report of a
 * failed step, if any; closes the sync and error fds either way.
 */
function finishLaunch(ops: readonly PlanOp[], child: Handshake, steps: ParentSteps): BurrowError | undefined {
  const { maps, cgroup, beforeStart } = steps;
  try {
    if (maps) {
      writeIdMaps(child.pid, maps);
      debug("uid/gid maps written");
    }
    if (cgroup) {
      cgroup.addProcess(child.pid);
      debug("joined its cgroup");
    }
    beforeStart?.(child.pid);
    writeSync(child.syncFd, "g");
    closeSync(child.syncFd);
    child.syncFd = -1;
    const failure = readFailure(child.errorFd);
    if (!failure) debug("exec'd");
    return failure ? describeFailure(ops, failure, maps) : undefined;
  } finally {
    if (child.syncFd >= 0) closeSync(child.syncFd); // the child sees EOF and gives up
    closeSync(child.errorFd);
  }
}

/**
 * Run fn with an fd of the cgroup's v2 directory, for clone3 (undefined on
 * v1, or if it cannot be opened: the child is moved there instead).
 */
function withCgroupDir<T>(cgroup: Cgroup | undefined, fn: (fd: number | undefined) => T): T {
  let fd: number | undefined;
  try {
    if (cgroup?.unifiedDir) fd = openSync(cgroup.unifiedDir, "r");
  } catch {
    // moved instead
  }
  try {
    return fn(fd);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

interface ChildFailure {
  opIndex: number;
  errno: number;
  detail: number;
}

function readFailure(fd: number): ChildFailure | undefined {
  const buf = new Int32Array(3);
  const bytes = new Uint8Array(buf.buffer);
  let got = 0;
  while (got < bytes.length) {
    const n = readSync(fd, bytes, got, bytes.length - got, null);
    if (n === 0) break;
    got += n;
  }
  if (got === 0) return undefined;
  return { opIndex: buf[0]!, errno: buf[1]!, detail: buf[2]! };
}

const DETAIL_STEP: Record<number, string> = {
  [Detail.Target]: "create mount point",
  [Detail.Remount]: "remount",
  [Detail.Propagation]: "set propagation of",
  [Detail.Bounding]: "drop capabilities for",
  [Detail.Setgroups]: "setgroups for",
  [Detail.Setgid]: "setgid",
  [Detail.Setuid]: "setuid",
  [Detail.Capset]: "set capabilities for",
  [Detail.Ambient]: "set ambient capabilities for",
};

const ENOENT = 2;
const ENOTDIR = 20;
const EACCES = 13;

function describeFailure(ops: readonly PlanOp[], f: ChildFailure, maps: IdMaps | undefined): BurrowError {
  const op: PlanOp | undefined = ops[f.opIndex];
  if (!op) return new BurrowError({ step: "launch", errno: f.errno });
  if (op.code === Op.Exec) {
    const notFound = f.errno === ENOENT || f.errno === ENOTDIR;
    if (f.detail === Detail.NotInPath && notFound) {
      return new BurrowError({ step: "exec", object: op.object, reason: "executable file not found in $PATH", exitCode: ExitCode.NotFound });
    }
    return new BurrowError({ step: "exec", object: op.object, errno: f.errno, exitCode: notFound ? ExitCode.NotFound : ExitCode.CannotInvoke });
  }
  if (op.code === Op.Chdir) {
    return new BurrowError({ step: "chdir to working directory", object: op.object, errno: f.errno, exitCode: ExitCode.CannotInvoke });
  }
  const step = DETAIL_STEP[f.detail] ?? op.step;
  const root = maps?.uid.find((m) => m.containerID === 0);
  const hint =
    f.errno === EACCES && root && op.code === Op.Mount
      ? `in a user namespace, the container's root is host uid ${root.hostID}: it needs search permission on every directory of the path`
      : undefined;
  return new BurrowError({ step, object: op.object, errno: f.errno, hint });
}
