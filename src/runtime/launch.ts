/**
 * The parent's half of the launch sequence (see ../shared/DESIGN.md):
 *
 *   clone ─► write uid/gid maps ─► caller's hooks (cgroup, network)
 *         ─► "go" ─► read the error pipe: EOF means the command exec'd
 */
import { closeSync, readSync, writeSync } from "node:fs";
import { debug } from "../debug.ts";
import { BurrowError, ExitCode } from "../errors.ts";
import { needsSetgroupsDeny, writeIdMaps, type IdMaps } from "../linux/idmap.ts";
import { signalChild, spawnChild, stopForwarding, waitChild, type SpawnedChild } from "../linux/launcher.ts";
import type { Spec } from "../spec/types.ts";
import { buildPlan } from "./plan.ts";
import { Detail, encodePlan, Op, type PlanOp } from "./plan-format.ts";

export interface LaunchOptions {
  /** an empty directory, owned by the container's state, to mount the rootfs on */
  rootMountpoint: string;
  init?: boolean;
  /** runs after the child exists and before it may go on: cgroups, network */
  beforeStart?: (pid: number) => void;
}

export interface Launched {
  pid: number;
  pidfd: number;
}

const SIGKILL = 9;

export function launch(spec: Spec, opts: LaunchOptions): Launched {
  const maps: IdMaps | undefined =
    spec.linux.uidMappings && spec.linux.gidMappings ? { uid: spec.linux.uidMappings, gid: spec.linux.gidMappings } : undefined;
  const plan = buildPlan(spec, {
    rootMountpoint: opts.rootMountpoint,
    init: opts.init,
    setgroupsDenied: maps ? needsSetgroupsDeny(maps) : false,
  });
  const buffer = encodePlan(plan.ops);
  debug(`plan: ${plan.ops.length} steps, ${buffer.length} bytes`);
  const child = spawnChild(buffer, plan.cloneFlags);
  debug(`clone: pid ${child.pid}`);
  try {
    if (maps && spec.linux.namespaces.some((ns) => ns.type === "user" && !ns.path)) {
      writeIdMaps(child.pid, maps);
      debug("uid/gid maps written");
    }
    opts.beforeStart?.(child.pid);
    writeSync(child.syncFd, "g");
    closeSync(child.syncFd);
    child.syncFd = -1;
    const failure = readFailure(child.errorFd);
    closeSync(child.errorFd);
    child.errorFd = -1;
    if (failure) {
      waitChild(child.pidfd); // reap it
      closeSync(child.pidfd);
      throw describeFailure(plan.ops, failure, maps);
    }
    debug("exec'd");
    return { pid: child.pid, pidfd: child.pidfd };
  } catch (err) {
    abandon(child);
    throw err;
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

function abandon(child: SpawnedChild): void {
  stopForwarding();
  for (const fd of [child.syncFd, child.errorFd]) if (fd >= 0) closeSync(fd);
  try {
    signalChild(child.pidfd, SIGKILL);
    waitChild(child.pidfd);
    closeSync(child.pidfd);
  } catch {
    // already gone
  }
}
