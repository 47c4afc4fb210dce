/**
 * A real pseudo-terminal for tests, through libc (openpty, ioctl,
 * tcgetattr): the test holds the master and plays the user at a keyboard.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { closeSync, readSync, writeSync } from "node:fs";

const libc = dlopen("libc.so.6", {
  openpty: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  tcgetattr: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
});

const TIOCSWINSZ = 0x5414;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;

export interface Pty {
  master: number;
  slave: number;
}

export function openPty(rows = 24, cols = 80): Pty {
  const m = new Int32Array(1);
  const s = new Int32Array(1);
  const ws = new Uint16Array([rows, cols, 0, 0]);
  if (libc.symbols.openpty(ptr(m), ptr(s), null, null, ptr(ws)) !== 0) throw new Error("openpty failed");
  libc.symbols.fcntl(m[0]!, F_SETFL, O_NONBLOCK);
  return { master: m[0]!, slave: s[0]! };
}

/** The terminal's size changes, as when a user resizes the window (SIGWINCH follows). */
export function resize(pty: Pty, rows: number, cols: number): void {
  const ws = new Uint16Array([rows, cols, 0, 0]);
  if (libc.symbols.ioctl(pty.master, TIOCSWINSZ, ptr(ws)) !== 0) throw new Error("TIOCSWINSZ failed");
}

/** The raw termios bytes of the terminal, to compare modes before and after. */
export function termios(fd: number): string {
  const buf = new Uint8Array(64);
  if (libc.symbols.tcgetattr(fd, ptr(buf)) !== 0) throw new Error("tcgetattr failed");
  return Buffer.from(buf.subarray(0, 16)).toString("hex"); // iflag, oflag, cflag, lflag
}

export function type(pty: Pty, text: string): void {
  writeSync(pty.master, text);
}

/** Everything the terminal showed so far (non-blocking). */
export function drain(pty: Pty): string {
  const buf = Buffer.alloc(65536);
  let out = "";
  for (;;) {
    try {
      const n = readSync(pty.master, buf, 0, buf.length, null);
      if (n <= 0) return out;
      out += buf.subarray(0, n).toString("utf8");
    } catch {
      return out; // EAGAIN: nothing more now; EIO: the other side closed
    }
  }
}

/** Read until `pattern` shows up (or fail after `ms`). */
export async function expectOutput(pty: Pty, pattern: RegExp | string, ms = 10_000, seen = { text: "" }): Promise<string> {
  const deadline = performance.now() + ms;
  for (;;) {
    seen.text += drain(pty);
    const hit = typeof pattern === "string" ? seen.text.includes(pattern) : pattern.test(seen.text);
    if (hit) return seen.text;
    if (performance.now() > deadline) throw new Error(`terminal never showed ${pattern}; it showed: ${JSON.stringify(seen.text)}`);
    await Bun.sleep(20);
  }
}

export function closePty(pty: Pty): void {
  for (const fd of [pty.master, pty.slave]) {
    try {
      closeSync(fd);
    } catch {
      // closed
    }
  }
}
