/**
 * The C launcher (c/launcher.c), loaded from memory.
 *
 * The shared object is embedded in the compiled binary. dlopen of the
 * embedded path would make Bun extract it into $TMPDIR (and fail when that is
 * noexec or missing), so it is copied into a memfd and opened from
 * /proc/self/fd: nothing on disk, no TMPDIR needed.
 */
import { dlopen, FFIType, ptr, type Pointer } from "bun:ffi";
import { closeSync, readFileSync, writeSync } from "node:fs";
// the build (scripts/build.ts) compiles c/launcher.c to this path first
import launcherPath from "../../c/build/launcher.so" with { type: "file" };
import { BurrowError } from "../errors.ts";

const MFD_CLOEXEC = 1;

const symbols = {
  burrow_spawn: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  burrow_wait: { args: [FFIType.i32], returns: FFIType.i32 },
  burrow_signal: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  burrow_forward_stop: { args: [], returns: FFIType.void },
  burrow_socketpair: { args: [FFIType.ptr], returns: FFIType.i32 },
  burrow_recv_fd: { args: [FFIType.i32], returns: FFIType.i32 },
  burrow_recv_handshake: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  burrow_flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  burrow_pidfd_open: { args: [FFIType.i32], returns: FFIType.i32 },
  burrow_syncfs: { args: [FFIType.ptr], returns: FFIType.i32 },
  burrow_memfd: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  burrow_isatty: { args: [FFIType.i32], returns: FFIType.i32 },
  burrow_mknod: { args: [FFIType.ptr, FFIType.u32, FFIType.u64], returns: FFIType.i32 },
  burrow_lsetxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
  burrow_lgetxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
  burrow_tty_raw: { args: [FFIType.i32], returns: FFIType.i32 },
  burrow_tty_restore: { args: [], returns: FFIType.i32 },
  burrow_tty_copy_size: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  burrow_relay: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
} as const;

type Launcher = ReturnType<typeof dlopen<typeof symbols>>["symbols"];
let loaded: Launcher | undefined;

function openFromMemory(): Launcher {
  const libc = dlopen("libc.so.6", {
    memfd_create: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  });
  const fd = libc.symbols.memfd_create(ptr(Buffer.from("burrow-launcher\0")), MFD_CLOEXEC);
  if (fd < 0) throw new BurrowError({ step: "memfd_create", object: "launcher", reason: "failed" });
  try {
    writeSync(fd, readFileSync(launcherPath));
    return dlopen(`/proc/self/fd/${fd}`, symbols).symbols;
  } finally {
    closeSync(fd);
    libc.close();
  }
}

export function launcher(): Launcher {
  if (!loaded) {
    // a plain file (running from source) can be opened where it is
    loaded = launcherPath.startsWith("/$bunfs/") ? openFromMemory() : dlopen(launcherPath, symbols).symbols;
  }
  return loaded;
}

export interface SpawnedChild {
  pid: number;
  pidfd: number;
  /** write one byte to let the child go on; close to make it give up */
  syncFd: number;
  /** the child reports a failed step here; EOF means it exec'd */
  errorFd: number;
  /** born in the cgroup it was asked to be born in (clone3 CLONE_INTO_CGROUP) */
  inCgroup: boolean;
}

export interface SpawnOptions {
  /** the container gets the signals sent to burrow until it is waited for; a helper does not */
  forwardSignals?: boolean;
  /** a cgroup v2 directory fd: the child is born there when the kernel can (Linux 5.7) */
  cgroupFd?: number;
}

/** Clone a child that runs the plan (encodePlan put the clone flags in its header). */
export function spawnChild(plan: Uint8Array, opts: SpawnOptions = {}): SpawnedChild {
  const out = new Int32Array(4);
  const r = launcher().burrow_spawn(ptr(plan), ptr(out), opts.forwardSignals === false ? 0 : 1, opts.cgroupFd ?? -1);
  if (r < 0) throw new BurrowError({ step: "clone", errno: -r, hint: cloneHint(-r) });
  return { pid: out[0]!, pidfd: out[1]!, syncFd: out[2]!, errorFd: out[3]!, inCgroup: r === 1 };
}

function cloneHint(errno: number): string | undefined {
  if (errno === 1 || errno === 28 || errno === 22) {
    return "check that user namespaces are allowed: sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces";
  }
  return undefined;
}

export type WaitResult = { exitCode: number; signal?: number };

/**
 * Block until the child exits. From clone until here, TERM, INT, HUP, QUIT,
 * USR1, USR2 and WINCH sent to burrow are forwarded to the child.
 */
export function waitChild(pidfd: number): WaitResult {
  const r = launcher().burrow_wait(pidfd);
  if (r < 0) throw new BurrowError({ step: "waitid", errno: -r });
  if (r >= 256) return { exitCode: 128 + (r - 256), signal: r - 256 };
  return { exitCode: r };
}

/** Stop forwarding burrow's signals to the child (a launch that failed). */
export function stopForwarding(): void {
  launcher().burrow_forward_stop();
}

export function signalChild(pidfd: number, signal: number): void {
  const r = launcher().burrow_signal(pidfd, signal);
  if (r < 0 && -r !== 3 /* ESRCH: already gone */) throw new BurrowError({ step: "kill", errno: -r });
}

/** A connected pair of unix stream sockets (CLOEXEC). */
export function socketPair(): [number, number] {
  const out = new Int32Array(2);
  const r = launcher().burrow_socketpair(ptr(out));
  if (r < 0) throw new BurrowError({ step: "socketpair", errno: -r });
  return [out[0]!, out[1]!];
}

export function receiveFd(sock: number, what: string): number {
  const r = launcher().burrow_recv_fd(sock);
  if (r < 0) throw new BurrowError({ step: "receive", object: what, errno: -r });
  return r;
}

/** The monitor's reply: the container's pid and the launch's sync and error fds. */
export function receiveHandshake(sock: number): { pid: number; syncFd: number; errorFd: number } {
  const out = new Int32Array(3);
  const r = launcher().burrow_recv_handshake(sock, ptr(out));
  if (r < 0) throw new BurrowError({ step: "monitor handshake", errno: -r, hint: "the monitor could not start the container" });
  return { pid: out[0]!, syncFd: out[1]!, errorFd: out[2]! };
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** flock(2); returns false when LOCK_NB was given and the lock is held. */
export function flock(fd: number, op: number): boolean {
  const r = launcher().burrow_flock(fd, op);
  if (r === -11 /* EWOULDBLOCK */) return false;
  if (r < 0) throw new BurrowError({ step: "flock", errno: -r });
  return true;
}

/** A pidfd for a running process, or undefined when it is gone. */
export function pidfdOpen(pid: number): number | undefined {
  const r = launcher().burrow_pidfd_open(pid);
  if (r === -3 /* ESRCH */) return undefined;
  if (r < 0) throw new BurrowError({ step: "pidfd_open", object: String(pid), errno: -r });
  return r;
}

export function memfd(name: string, flags: number): number {
  const r = launcher().burrow_memfd(ptr(Buffer.from(`${name}\0`)), flags);
  if (r < 0) throw new BurrowError({ step: "memfd_create", object: name, errno: -r });
  return r;
}

const cstr = (s: string) => Buffer.from(`${s}\0`);

/** syncfs(2) of the filesystem a directory is on: node:fs has none. */
export function syncFilesystem(path: string): void {
  const r = launcher().burrow_syncfs(ptr(cstr(path)));
  if (r < 0) throw new BurrowError({ step: "syncfs", object: path, errno: -r });
}

/** mknod(2): node:fs has none. */
export function mknod(path: string, mode: number, dev: bigint): void {
  const r = launcher().burrow_mknod(ptr(cstr(path)), mode, dev);
  if (r < 0) throw new BurrowError({ step: "mknod", object: path, errno: -r });
}

export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  const buf = value.length > 0 ? value : new Uint8Array(1);
  const r = launcher().burrow_lsetxattr(ptr(cstr(path)), ptr(cstr(name)), ptr(buf), value.length);
  if (r < 0) throw new BurrowError({ step: `setxattr ${name}`, object: path, errno: -r });
}

/** An extended attribute's value, or undefined when the file has none of that name. */
export function lgetxattr(path: string, name: string): Uint8Array | undefined {
  const buf = new Uint8Array(4096);
  const r = launcher().burrow_lgetxattr(ptr(cstr(path)), ptr(cstr(name)), ptr(buf), buf.length);
  return r < 0 ? undefined : buf.slice(0, r);
}

/** isatty(3): node:tty would cost ~9 ms of start-up to import. */
export function isTerminal(fd: number): boolean {
  return launcher().burrow_isatty(fd) === 1;
}

/** The caller's terminal in raw mode (restoreTerminal puts it back). */
export function rawTerminal(fd: number): boolean {
  return launcher().burrow_tty_raw(fd) === 0;
}

export function restoreTerminal(): void {
  launcher().burrow_tty_restore();
}

/** Relay a pty until the container exits (and its output is drained). */
export function relayTerminal(master: number, input: number, output: number, pidfd: number, sizeFrom: number): void {
  const r = launcher().burrow_relay(master, input, output, pidfd, sizeFrom);
  if (r < 0) throw new BurrowError({ step: "relay terminal", errno: -r });
}

export type { Pointer };
