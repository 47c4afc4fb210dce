/**
 * Compile a runtime spec into the launch plan: the clone flags and the list
 * of steps the C child carries out between clone() and execve(). Every
 * decision about order, fallbacks and flags is made here, where it can be
 * read and tested; the child only executes.
 */
import { existsSync, statSync } from "node:fs";
import { BurrowError, fromSystemError } from "../errors.ts";
import { capabilityMask, lastCap } from "../linux/capabilities.ts";
import { MS, parseMountOptions } from "../linux/mount-options.ts";
import { DEV_SYMLINKS, DEFAULT_PATH } from "../spec/defaults.ts";
import { overlayMountData, overlayOf } from "../spec/overlay.ts";
import type { Device, Mount, NamespaceType, Spec } from "../spec/types.ts";
import { MountHow, Op, OpFlag, type PlanOp } from "./plan-format.ts";

export const CLONE_FLAGS: Record<NamespaceType, number> = {
  mount: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
};

export interface PlanContext {
  /**
   * An empty directory where the rootfs is bind-mounted before pivot_root.
   * pivot_root cannot pivot onto a bind of "/" stacked on "/" (EBUSY), so
   * the root always moves to a mount point of its own.
   */
  rootMountpoint: string;
  /** setgroups(2) is denied in the new user namespace (single-id rootless mapping) */
  setgroupsDenied?: boolean;
  /** keep a tiny init as PID 1 that reaps zombies and forwards signals */
  init?: boolean;
  /** the container dies with the process that launched it (foreground runs) */
  dieWithParent?: boolean;
  /** where the command's stdin, stdout and stderr come from (default: inherited) */
  stdio?: Stdio;
}

/**
 * The command's stdio, as fds the child inherited from whoever cloned it:
 * - dup: each given fd becomes 0, 1, 2 (a missing one is inherited as is)
 * - pty: a terminal made in the container; its master goes out over `socket`
 */
export type Stdio = { kind: "dup"; stdin?: number; stdout?: number; stderr?: number } | { kind: "pty"; socket: number };

export interface Plan {
  cloneFlags: number;
  ops: PlanOp[];
}

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

export function buildPlan(spec: Spec, ctx: PlanContext): Plan {
  const newNamespaces = new Set(spec.linux.namespaces.filter((ns) => !ns.path).map((ns) => ns.type));
  let cloneFlags = 0;
  // the cgroup namespace is made after the parent moved the child into its
  // cgroup, so that the container's own cgroup becomes its root
  for (const type of newNamespaces) if (type !== "cgroup") cloneFlags |= CLONE_FLAGS[type];
  if (!newNamespaces.has("mount")) {
    throw new BurrowError({ step: "create", reason: "a container needs its own mount namespace" });
  }
  const userns = newNamespaces.has("user");
  const ops: PlanOp[] = [];
  if (ctx.dieWithParent) ops.push({ code: Op.Pdeathsig, ints: [9], step: "set parent-death signal" });
  ops.push({ code: Op.WaitSync, step: "wait for parent" });
  if (userns) {
    // the child still has the caller's host ids, which the new maps may not
    // contain: become the namespace's root so files it makes have an owner
    ops.push({ code: Op.SetResId, ints: [0, 0], step: "become root in the user namespace" });
  }
  if (newNamespaces.has("cgroup")) ops.push({ code: Op.Unshare, ints: [CLONE_FLAGS.cgroup], step: "unshare cgroup namespace" });
  ops.push(...rootfsOps(spec, ctx.rootMountpoint, newNamespaces, userns));
  ops.push(...stdioOps(spec, ctx.stdio));
  // sysctls are written before /proc/sys turns read-only
  ops.push(...namespaceSetupOps(spec, newNamespaces));
  ops.push(...protectOps(spec));
  ops.push(...processOps(spec, ctx));
  return { cloneFlags, ops };
}

/** Stdio for the command; a pty needs the container's /dev, so this comes after pivot_root. */
export function stdioOps(spec: Spec, stdio: Stdio | undefined): PlanOp[] {
  if (!stdio) return [];
  if (stdio.kind === "pty") {
    const { uid } = spec.process.user;
    // gid -1: the devpts gid=5 option already gave it the tty group
    return [{ code: Op.Pty, ints: [stdio.socket, uid, -1], step: "allocate a terminal", object: "/dev/ptmx" }];
  }
  const ops: PlanOp[] = [];
  const pairs: Array<[number | undefined, number]> = [
    [stdio.stdin, 0],
    [stdio.stdout, 1],
    [stdio.stderr, 2],
  ];
  for (const [from, to] of pairs) if (from !== undefined) ops.push({ code: Op.Dup2, ints: [from, to], step: "set up stdio", object: `fd ${to}` });
  return ops;
}

function rootfsOps(spec: Spec, rootfs: string, newNs: Set<NamespaceType>, userns: boolean): PlanOp[] {
  const source = spec.root.path;
  const ops: PlanOp[] = [
    // nothing the container mounts may propagate back to the host
    mountOp({ target: "/", flags: 0, propagation: MS.REC | MS.PRIVATE, step: "make mounts private", object: "/" }),
    ...rootMountOps(spec, source, rootfs, userns),
  ];
  if (spec.root.readonly) {
    // before anything is mounted on top: the whole tree of the root (a host
    // "/" has submounts) read-only, the container's own mounts left alone
    ops.push({ code: Op.Remount, ints: [MS.RDONLY, 1], strs: [rootfs], step: "remount rootfs read-only", object: rootfs });
  }
  ops.push({ code: Op.OpenRoot, strs: [rootfs], step: "open rootfs", object: rootfs });

  for (const mount of spec.mounts) {
    const adapted = adaptMount(mount, newNs, userns);
    if (adapted) ops.push(containerMountOp(adapted));
  }

  const devices = spec.linux.devices ?? [];
  // a user namespace may not mknod: bind the host's node instead
  if (userns) for (const d of devices) ops.push(deviceBindOp(d));

  ops.push({ code: Op.PivotRoot, strs: [rootfs], step: "pivot_root", object: rootfs });

  if (!userns) for (const d of devices) ops.push(mknodOp(d));
  if (hasMountAt(spec, "/dev")) {
    for (const [target, link] of DEV_SYMLINKS) {
      ops.push({ code: Op.Symlink, strs: [target, link], step: "symlink", object: link });
    }
  }
  return ops;
}

function hasMountAt(spec: Spec, destination: string): boolean {
  return spec.mounts.some((m) => m.destination === destination);
}

/**
 * The root: the image's layers as an overlay, or a directory bound in place.
 * fuse-overlayfs was mounted there before the child went on (fuse-overlay.ts).
 */
function rootMountOps(spec: Spec, source: string, target: string, userns: boolean): PlanOp[] {
  const overlay = overlayOf(spec);
  if (overlay?.driver === "fuse") return [];
  if (overlay) {
    // in a user namespace overlayfs keeps its whiteout marks in user.* xattrs (Linux 5.11)
    const data = userns ? `${overlayMountData(overlay)},userxattr` : overlayMountData(overlay);
    return [mountOp({ source: "overlay", target, fstype: "overlay", flags: 0, data, step: "mount overlay rootfs", object: target })];
  }
  return [mountOp({ source, target, flags: MS.BIND | MS.REC, step: "bind mount rootfs", object: source })];
}

/**
 * Filesystems that only the owner of a namespace may mount: a user
 * namespace that shares the host's pid (net, ipc) namespace gets a bind of
 * the host's /proc (/sys, /dev/mqueue) instead, as runc and crun do.
 */
function adaptMount(mount: Mount, newNs: Set<NamespaceType>, userns: boolean): Mount | undefined {
  if (!userns) return mount;
  const bindInstead = (source: string, extra: string[]): Mount => ({
    destination: mount.destination,
    type: "bind",
    source,
    options: ["rbind", ...extra],
  });
  if (mount.type === "proc" && !newNs.has("pid")) return bindInstead("/proc", []);
  if (mount.type === "sysfs" && !newNs.has("network")) return bindInstead("/sys", ["ro"]);
  // a host without /dev/mqueue has nothing to share: the container goes without
  if (mount.type === "mqueue" && !newNs.has("ipc")) return existsSync("/dev/mqueue") ? bindInstead("/dev/mqueue", []) : undefined;
  return mount;
}

function isBind(mount: Mount): boolean {
  return mount.type === "bind" || (mount.options ?? []).some((o) => o === "bind" || o === "rbind");
}

function containerMountOp(mount: Mount): PlanOp {
  const options = parseMountOptions(mount.options);
  const bind = isBind(mount);
  let how = MountHow.InRoot | MountHow.Mkdir;
  if (bind) {
    let isDir = true;
    try {
      isDir = statSync(mount.source ?? "").isDirectory();
    } catch (err) {
      throw fromSystemError(err, "bind mount source", mount.source);
    }
    if (!isDir) how = MountHow.InRoot | MountHow.Mkfile;
  }
  if (options.recursiveAttributes) how |= MountHow.RecursiveAttr;
  return mountOp({
    source: mount.source ?? "",
    target: mount.destination,
    fstype: bind ? "" : (mount.type ?? ""),
    flags: options.flags | (bind ? MS.BIND : 0),
    how,
    propagation: options.propagation,
    data: options.data,
    step: "mount",
    object: mount.destination,
  });
}

interface MountOpInit {
  source?: string;
  target: string;
  fstype?: string;
  flags: number;
  how?: number;
  propagation?: number;
  data?: string;
  step: string;
  object: string;
}

export function mountOp(m: MountOpInit): PlanOp {
  return {
    code: Op.Mount,
    ints: [m.flags, m.how ?? 0, m.propagation ?? 0],
    strs: [m.source ?? "", m.target, m.fstype ?? "", m.data ?? ""],
    step: m.step,
    object: m.object,
  };
}

function deviceBindOp(d: Device): PlanOp {
  return mountOp({
    source: d.path,
    target: d.path,
    flags: MS.BIND,
    how: MountHow.InRoot | MountHow.Mkfile,
    step: "bind device",
    object: d.path,
  });
}

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

function mknodOp(d: Device): PlanOp {
  const kind = d.type === "b" ? S_IFBLK : d.type === "p" ? S_IFIFO : S_IFCHR;
  const major = d.major ?? 0;
  const minor = d.minor ?? 0;
  // glibc's makedev()
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  return {
    code: Op.Mknod,
    ints: [kind | (d.fileMode ?? 0o666), dev, d.uid ?? 0, d.gid ?? 0],
    strs: [d.path],
    step: "mknod",
    object: d.path,
  };
}

/** The runtime-spec's masked and read-only paths, last of the filesystem steps. */
function protectOps(spec: Spec): PlanOp[] {
  const ops: PlanOp[] = [];
  for (const path of spec.linux.maskedPaths ?? []) {
    ops.push({ code: Op.MaskPath, flags: OpFlag.IgnoreEnoent, strs: [path], step: "mask", object: path });
  }
  for (const path of spec.linux.readonlyPaths ?? []) {
    ops.push({ code: Op.ReadonlyPath, flags: OpFlag.IgnoreEnoent, strs: [path], step: "make read-only", object: path });
  }
  return ops;
}

/** What a new container sets up once in its own namespaces. */
function namespaceSetupOps(spec: Spec, newNs: Set<NamespaceType>): PlanOp[] {
  const ops: PlanOp[] = [];
  if (newNs.has("uts") && spec.hostname) {
    ops.push({ code: Op.SetHostname, strs: [spec.hostname], step: "sethostname", object: spec.hostname });
  }
  if (newNs.has("uts") && spec.domainname) {
    ops.push({ code: Op.SetDomainname, strs: [spec.domainname], step: "setdomainname", object: spec.domainname });
  }
  if (newNs.has("network")) ops.push({ code: Op.LoopbackUp, step: "bring up loopback", object: "lo" });
  for (const [key, value] of Object.entries(spec.linux.sysctl ?? {})) {
    const path = `/proc/sys/${key.replaceAll(".", "/")}`;
    ops.push({ code: Op.WriteFile, strs: [path, value], step: "sysctl", object: key });
  }
  return ops;
}

/** The process itself: limits, identity, working directory, privileges, exec. */
export function processOps(spec: Spec, ctx: { init?: boolean; setgroupsDenied?: boolean }): PlanOp[] {
  const proc = spec.process;
  const ops: PlanOp[] = [];
  if (proc.oomScoreAdj !== undefined) {
    ops.push({
      code: Op.WriteFile,
      strs: ["/proc/self/oom_score_adj", String(proc.oomScoreAdj)],
      step: "set oom_score_adj",
      object: String(proc.oomScoreAdj),
    });
  }
  for (const r of proc.rlimits ?? []) {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new BurrowError({ step: "setrlimit", object: r.type, reason: "unknown resource" });
    ops.push({ code: Op.SetRlimit, ints: [resource, r.soft, r.hard], step: "setrlimit", object: r.type });
  }
  ops.push(identityOp(spec, ctx));
  ops.push({ code: Op.Chdir, strs: [proc.cwd], step: "chdir", object: proc.cwd });
  if (proc.noNewPrivileges) ops.push({ code: Op.NoNewPrivs, step: "set no_new_privs" });
  if (ctx.init) ops.push({ code: Op.Init, step: "start init" });
  ops.push(execOp(spec));
  return ops;
}

function identityOp(spec: Spec, ctx: { setgroupsDenied?: boolean }): PlanOp {
  const { user, capabilities: caps } = spec.process;
  const groups = user.additionalGids ?? [];
  return {
    code: Op.Identity,
    flags: ctx.setgroupsDenied ? OpFlag.SkipSetgroups : 0,
    ints: [
      user.uid,
      user.gid,
      capabilityMask(caps?.bounding),
      capabilityMask(caps?.effective),
      capabilityMask(caps?.permitted),
      capabilityMask(caps?.inheritable),
      capabilityMask(caps?.ambient),
      lastCap(),
      groups.length,
      ...groups,
    ],
    step: "set user",
    object: `${user.uid}:${user.gid}`,
  };
}

function execOp(spec: Spec): PlanOp {
  const { args, env } = spec.process;
  const file = args[0];
  if (!file) throw new BurrowError({ step: "create", reason: "no command given" });
  const path = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  return {
    code: Op.Exec,
    ints: [args.length, env.length],
    strs: [file, path, ...args, ...env],
    step: "exec",
    object: file,
  };
}
