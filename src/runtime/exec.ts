/**
 * `burrow exec`: a new process in a running container. The child joins
 * every namespace of the container's init through its pidfd, forks once so
 * that the command is inside the pid namespace (the first child stays
 * outside as its waiting parent), joins the cgroup, and takes the
 * container's identity, capabilities and security settings before execve.
 */
import { closeSync, openSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import { needsSetgroupsDeny } from "../linux/idmap.ts";
import { isTerminal, pidfdOpen, rawTerminal, receiveFd, relayTerminal, restoreTerminal, socketPair, waitChild } from "../linux/launcher.ts";
import type { Spec } from "../spec/types.ts";
import { resolveUser } from "../spec/user.ts";
import { openCgroup } from "./container-cgroup.ts";
import { loadSpec } from "./container-files.ts";
import { idMapsOf, launchPlan } from "./launch.ts";
import { isRunning } from "./lifecycle.ts";
import { CLONE_FLAGS, processOps, stdioOps, type Plan, type Stdio } from "./plan.ts";
import { Op, type PlanOp } from "./plan-format.ts";
import type { ContainerState } from "./state.ts";

export interface ExecOptions {
  command: string[];
  env?: string[];
  user?: string;
  workdir?: string;
  tty?: boolean;
  interactive?: boolean;
  detach?: boolean;
  privileged?: boolean;
}

function execSpec(base: Spec, pid: number, opts: ExecOptions): Spec {
  const env = new Map(base.process.env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] as const));
  let user = base.process.user;
  if (opts.user !== undefined) {
    // the container's own passwd, through its root as the kernel sees it
    const u = resolveUser(`/proc/${pid}/root`, opts.user);
    user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
    env.set("HOME", u.home);
  }
  for (const e of opts.env ?? []) {
    const at = e.indexOf("=");
    if (at > 0) env.set(e.slice(0, at), e.slice(at + 1));
    else if (process.env[e] !== undefined) env.set(e, process.env[e]!);
  }
  if (opts.tty && !env.has("TERM")) env.set("TERM", process.env.TERM || "xterm");
  const caps = base.process.capabilities;
  const all = caps?.bounding ?? [];
  return {
    ...base,
    process: {
      ...base.process,
      terminal: opts.tty,
      args: opts.command,
      env: [...env].map(([k, v]) => `${k}=${v}`),
      cwd: opts.workdir ?? base.process.cwd,
      user,
      // --privileged: every capability the container's bounding set allows
      capabilities: opts.privileged ? { ...caps, effective: all, permitted: all } : user.uid === 0 ? caps : { ...caps, effective: [], permitted: [] },
    },
  };
}

function buildExecPlan(spec: Spec, pidfd: number, stdio: Stdio | undefined, detach: boolean): Plan {
  const own = spec.linux.namespaces.filter((ns) => !ns.path).map((ns) => ns.type);
  let flags = 0;
  for (const type of own) flags |= CLONE_FLAGS[type];
  const maps = idMapsOf(spec);
  const ops: PlanOp[] = [];
  if (!detach) ops.push({ code: Op.Pdeathsig, ints: [9], step: "set parent-death signal" });
  ops.push({ code: Op.WaitSync, step: "wait for parent" });
  ops.push({ code: Op.Setns, ints: [pidfd, flags], step: "join the container's namespaces" });
  if (own.includes("user")) ops.push({ code: Op.SetResId, ints: [0, 0], step: "become root in the user namespace" });
  // the pid namespace applies to children only: fork, and wait for the command outside it
  ops.push({ code: Op.Init, step: "fork into the pid namespace" });
  ops.push(...stdioOps(spec, stdio));
  ops.push(...processOps(spec, { setgroupsDenied: maps ? needsSetgroupsDeny(maps) : false }));
  return { cloneFlags: 0, ops };
}

function notRunning(state: ContainerState): BurrowError {
  return new BurrowError({ step: `container ${state.name} is not running`, exitCode: 1 });
}

/** Run the command; its exit code (0 at once for --detach). */
export function execInContainer(state: ContainerState, opts: ExecOptions): number {
  if (!isRunning(state)) {
    throw notRunning(state);
  }
  const pidfd = pidfdOpen(state.pid!);
  if (pidfd === undefined) throw notRunning(state);
  const tty = opts.tty ? socketPair() : undefined;
  const nullFd = !opts.tty && (!opts.interactive || opts.detach) ? openSync("/dev/null", "r") : undefined;
  try {
    const spec = execSpec(loadSpec(state.id), state.pid!, opts);
    const stdio: Stdio | undefined = tty ? { kind: "pty", socket: tty[1] } : nullFd !== undefined ? { kind: "dup", stdin: nullFd } : undefined;
    const cgroup = state.cgroup ? openCgroup(state.cgroup) : undefined;
    const child = launchPlan(buildExecPlan(spec, pidfd, stdio, opts.detach ?? false), { cgroup });
    if (opts.detach) {
      closeSync(child.pidfd);
      return 0;
    }
    if (tty) {
      const master = receiveFd(tty[0], "terminal");
      const raw = opts.interactive && isTerminal(0) && rawTerminal(0);
      try {
        relayTerminal(master, opts.interactive ? 0 : -1, 1, child.pidfd, isTerminal(0) ? 0 : -1);
      } finally {
        if (raw) restoreTerminal();
        closeSync(master);
      }
    }
    const result = waitChild(child.pidfd);
    closeSync(child.pidfd);
    return result.exitCode;
  } finally {
    closeSync(pidfd);
    for (const fd of [...(tty ?? []), ...(nullFd !== undefined ? [nullFd] : [])]) closeSync(fd);
  }
}
