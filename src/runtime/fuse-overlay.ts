/**
 * fuse-overlayfs as a container's root, where the kernel refuses overlayfs
 * in a user namespace (Linux < 5.11).
 *
 * The daemon must outlive nothing but the container, and must not live in
 * it (its pid namespace would show it and could kill it). So, as podman
 * does, it runs beside the container: after the child is cloned and before
 * it may go on, a helper joins the child's user and mount namespaces,
 * opens /dev/fuse, mounts the FUSE filesystem on the root mount point
 * itself (fd=3) and execs `fuse-overlayfs -f ... /dev/fd/3`, which serves
 * that mount. When the helper has exec'd the mount is there, so the child
 * can go on at once; requests wait until the daemon reads them.
 *
 * The mount lives only in the container's mount namespace. The daemon
 * stops when the container has ended: its dirty pages are synced first,
 * then it gets SIGTERM (or dies with a foreground burrow, PDEATHSIG).
 */
import { closeSync, openSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import { syncFilesystem, waitChild } from "../linux/launcher.ts";
import { DEFAULT_PATH } from "../spec/defaults.ts";
import type { OverlayDirs } from "../spec/overlay.ts";
import { launchPlan } from "./launch.ts";
import { MS } from "../linux/mount-options.ts";
import { CLONE_FLAGS, mountOp } from "./plan.ts";
import { Op, type PlanOp } from "./plan-format.ts";
import { processStartTime } from "./state.ts";

/** the daemon, as the container's state records it */
export interface FuseDaemon {
  pid: number;
  startTime: string;
  /** where the root is mounted (in the container's mount namespace) */
  mountpoint: string;
}

/** the fd the FUSE connection has in the daemon */
const FUSE_FD = 3;

export interface FuseStartOptions {
  /** the container's first process: its user and mount namespaces are joined */
  containerPid: number;
  userns: boolean;
  mountpoint: string;
  /** a foreground container: the daemon dies with burrow */
  dieWithParent: boolean;
}

/** Mount the container's root with fuse-overlayfs; returns its daemon (and a pidfd to reap it with). */
export function startFuseOverlay(dirs: OverlayDirs, opts: FuseStartOptions): FuseDaemon & { pidfd: number } {
  const binary = Bun.which("fuse-overlayfs", { PATH: process.env.PATH ?? DEFAULT_PATH });
  if (!binary) {
    throw new BurrowError({
      step: "mount the root with fuse-overlayfs",
      reason: "fuse-overlayfs is not installed",
      hint: "this kernel cannot mount overlayfs in a user namespace (it needs Linux 5.11): install fuse-overlayfs",
    });
  }
  const ns: ContainerNamespaces = {
    user: opts.userns ? openSync(`/proc/${opts.containerPid}/ns/user`, "r") : undefined,
    mount: openSync(`/proc/${opts.containerPid}/ns/mnt`, "r"),
  };
  try {
    const plan = { cloneFlags: 0, ops: helperOps(binary, dirs, opts, ns) };
    const helper = launchPlan(plan, { helper: true });
    return { pid: helper.pid, pidfd: helper.pidfd, startTime: processStartTime(helper.pid) ?? "", mountpoint: opts.mountpoint };
  } catch (err) {
    if (err instanceof BurrowError && err.code === "EACCES" && err.object === "/dev/fuse") {
      const hint = "fuse-overlayfs needs /dev/fuse readable and writable by this user (mode 0666, as udev makes it)";
      throw new BurrowError({ step: err.step, object: err.object, errno: err.errno, hint });
    }
    throw err;
  } finally {
    if (ns.user !== undefined) closeSync(ns.user);
    closeSync(ns.mount);
  }
}

/** fds of the container's namespaces the helper joins */
interface ContainerNamespaces {
  user?: number;
  mount: number;
}

function helperOps(binary: string, dirs: OverlayDirs, opts: FuseStartOptions, ns: ContainerNamespaces): PlanOp[] {
  const argv = [binary, "-f", "-o", `lowerdir=${dirs.lower},upperdir=${dirs.upper},workdir=${dirs.work}`, `/dev/fd/${FUSE_FD}`];
  const env = [`PATH=${DEFAULT_PATH}`];
  const data = `fd=${FUSE_FD},rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions`;
  return [
    ...(opts.dieWithParent ? [{ code: Op.Pdeathsig, ints: [9], step: "set parent-death signal" }] : []),
    { code: Op.WaitSync, step: "wait for parent" },
    // out of burrow's session: a ^C on the terminal is not for the daemon
    { code: Op.Setsid, step: "setsid" },
    ...(ns.user !== undefined
      ? [
          { code: Op.Setns, ints: [ns.user, CLONE_FLAGS.user], step: "join the container's user namespace" },
          { code: Op.SetResId, ints: [0, 0], step: "become root in the user namespace" },
        ]
      : []),
    { code: Op.Setns, ints: [ns.mount, CLONE_FLAGS.mount], step: "join the container's mount namespace" },
    ...[0, 1, 2].map((fd) => ({ code: Op.OpenAt, ints: [fd], strs: ["/dev/null"], step: "open", object: "/dev/null" })),
    // opened in the container's user namespace: FUSE requires it of the mounter
    { code: Op.OpenAt, ints: [FUSE_FD], strs: ["/dev/fuse"], step: "open", object: "/dev/fuse" },
    // the child has not made its mounts private yet: nothing may reach the host
    mountOp({ target: "/", flags: 0, propagation: MS.REC | MS.PRIVATE, step: "make mounts private", object: "/" }),
    mountOp({ source: "fuse-overlayfs", target: opts.mountpoint, fstype: "fuse.fuse-overlayfs", flags: 0, data, step: "mount fuse-overlayfs on", object: opts.mountpoint }),
    // a copy of that namespace for the daemon alone: the child's pivot_root
    // detaches the old root there, and with it the /proc the daemon works through
    { code: Op.Unshare, ints: [CLONE_FLAGS.mount], step: "unshare mount namespace" },
    { code: Op.Exec, ints: [argv.length, env.length, FUSE_FD + 1], strs: [binary, DEFAULT_PATH, ...argv, ...env], step: "exec", object: binary },
  ];
}

/**
 * Stop the daemon of a container that has ended: sync what the container
 * wrote, then SIGTERM. pidfd: this process started it, and reaps it.
 */
export function stopFuseOverlay(daemon: FuseDaemon, pidfd?: number): void {
  if (processStartTime(daemon.pid) !== daemon.startTime) return; // gone already (or a recycled pid)
  try {
    syncFilesystem(`/proc/${daemon.pid}/root${daemon.mountpoint}`);
  } catch {
    // the mount is gone with its namespace: nothing left to sync
  }
  try {
    process.kill(daemon.pid, "SIGTERM");
  } catch {
    // exited meanwhile
  }
  if (pidfd !== undefined) waitChild(pidfd);
}
