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
  burrow_spawn: { args: [FFIType.ptr, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  burrow_wait: { args: [FFIType.i32], returns: FFIType.i32 },
  burrow_signal: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  burrow_forward_stop: { args: [], returns: FFIType.void },
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
}

export function spawnChild(plan: Uint8Array, cloneFlags: number): SpawnedChild {
  const out = new Int32Array(4);
  const r = launcher().burrow_spawn(ptr(plan), cloneFlags, ptr(out));
  if (r < 0) throw new BurrowError({ step: "clone", errno: -r, hint: cloneHint(-r) });
  return { pid: out[0]!, pidfd: out[1]!, syncFd: out[2]!, errorFd: out[3]! };
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

export type { Pointer };
