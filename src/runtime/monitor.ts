/**
 * Start the monitor (c/monitor.c) that holds a detached container. It is a
 * static C program embedded in the binary and run from a memfd, so nothing
 * is written to disk; it costs well under 1 MiB per container, where a Bun
 * process would cost 20.
 */
import { closeSync, readFileSync, writeSync } from "node:fs";
// the build (scripts/build.ts) compiles c/monitor.c to this path first
import monitorPath from "../../c/build/monitor" with { type: "file" };
import { isDebug } from "../debug.ts";
import { memfd, receiveHandshake, socketPair } from "../linux/launcher.ts";
import { rootOverride } from "./paths.ts";
import { processStartTime } from "./state.ts";

const MFD_CLOEXEC = 1;

/** fd numbers the monitor gives the container (see c/monitor.c) */
export const MONITOR_FDS = { stdin: 10, stdout: 11, stderr: 12, ptySocket: 13 } as const;

export interface MonitorOptions {
  stateDir: string;
  tty: boolean;
  /** keep the container's stdin open for attach */
  stdin: boolean;
  logMaxSize?: number;
  logMaxFiles?: number;
  /** run when the container exits, with its exit code appended */
  exitCommand: string[];
  /** a cgroup v2 directory fd: the monitor clones the container into it */
  cgroupFd?: number;
}

export interface MonitorStarted {
  monitorPid: number;
  monitorStartTime: string;
  pid: number;
  syncFd: number;
  errorFd: number;
}

function memfdWith(name: string, bytes: Uint8Array): number {
  const fd = memfd(name, MFD_CLOEXEC);
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at);
  return fd;
}

export function startMonitor(plan: Uint8Array, opts: MonitorOptions): MonitorStarted {
  const exe = memfdWith("burrow-monitor", readFileSync(monitorPath));
  const planFd = memfdWith("burrow-plan", plan);
  const [mine, theirs] = socketPair();
  try {
    const flags = `${opts.tty ? "t" : ""}${opts.stdin ? "i" : ""}${opts.cgroupFd !== undefined ? "c" : ""}-`;
    // fds 3, 4, 5 (6) in the monitor: the plan, the control socket, its own executable (the cgroup)
    const child = Bun.spawn(
      ["/proc/self/fd/5", opts.stateDir, flags, String(opts.logMaxSize ?? 0), String(opts.logMaxFiles ?? 1), "--", ...opts.exitCommand],
      {
        argv0: "burrow-monitor",
        // with --debug the monitor's own complaints reach the terminal
        stdio: ["ignore", "ignore", isDebug() ? "inherit" : "ignore", planFd, theirs, exe, ...(opts.cgroupFd !== undefined ? [opts.cgroupFd] : [])],
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      },
    );
    child.unref();
    closeSync(theirs);
    const handshake = receiveHandshake(mine);
    return { ...handshake, monitorPid: child.pid, monitorStartTime: processStartTime(child.pid) ?? "" };
  } finally {
    closeSync(mine);
    closeSync(planFd);
    closeSync(exe);
  }
}

/** What the monitor runs when the container exits (the code is appended). */
export function exitCommand(id: string): string[] {
  // a compiled burrow is its own executable; from source, bun runs the entry point
  const self = Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
  const override = rootOverride();
  return [...self, ...(override ? ["--root", override] : []), "container-exited", id];
}
