/**
 * The client side of `burrow attach`: connect to the monitor's attach.sock,
 * show the container's output, send input (and window sizes) as frames, and
 * let go on the detach keys (ctrl-p,ctrl-q unless told otherwise).
 */
import { closeSync, openSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import { isTerminal, rawTerminal, restoreTerminal } from "../linux/launcher.ts";
import { containerDir } from "./paths.ts";
import type { ContainerState } from "./state.ts";
import { writeOut } from "../output.ts";

const FRAME_INPUT = 0;
const FRAME_RESIZE = 1;
const FRAME_CLOSE_INPUT = 2;

function frame(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + data.length);
  out[0] = type;
  out[1] = data.length & 0xff;
  out[2] = data.length >> 8;
  out.set(data, 3);
  return out;
}

/** "ctrl-p,ctrl-q" → [0x10, 0x11]; Docker's syntax: ctrl-a..ctrl-z, ctrl-@, ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_, or one character */
export function parseDetachKeys(text: string): number[] {
  const keys: number[] = [];
  for (const part of text.split(",")) {
    const ctrl = /^ctrl-(.)$/i.exec(part);
    if (ctrl) {
      const c = ctrl[1]!.toLowerCase();
      const code = c >= "a" && c <= "z" ? c.charCodeAt(0) - 96 : "@[\\]^_".indexOf(c) >= 0 ? "@[\\]^_".indexOf(c) + (c === "@" ? 0 : 27) : -1;
      if (code < 0) throw new BurrowError({ step: "invalid detach keys:", object: text, exitCode: 1 });
      keys.push(c === "@" ? 0 : code);
    } else if (part.length === 1) {
      keys.push(part.charCodeAt(0));
    } else {
      throw new BurrowError({ step: "invalid detach keys:", object: text, exitCode: 1 });
    }
  }
  if (keys.length === 0) throw new BurrowError({ step: "invalid detach keys:", object: text, exitCode: 1 });
  return keys;
}

export interface AttachOptions {
  detachKeys: number[];
  /** send our stdin to the container */
  stdin: boolean;
}

/** Resolves "exited" when the container's output ended, "detached" on the detach keys. */
export async function attachTo(state: ContainerState, opts: AttachOptions): Promise<"exited" | "detached"> {
  const dirfd = openSync(containerDir(state.id), "r");
  let finish!: (how: "exited" | "detached") => void;
  const done = new Promise<"exited" | "detached">((resolve) => (finish = resolve));
  let socket: Awaited<ReturnType<typeof Bun.connect>>;
  try {
    // the state dir's path may be longer than a socket address allows: go through its fd
    socket = await Bun.connect({
      unix: `/proc/self/fd/${dirfd}/attach.sock`,
      socket: {
        data(_s, data) {
          writeOut(data);
        },
        close() {
          finish("exited");
        },
        error() {
          finish("exited");
        },
      },
    });
  } catch (err) {
    closeSync(dirfd);
    throw new BurrowError({ step: "attach", object: state.name, reason: `cannot reach the container's monitor (${(err as Error).message})`, exitCode: 1 });
  }
  closeSync(dirfd);

  const tty = (state.tty ?? false) && isTerminal(0);
  const raw = tty && opts.stdin && rawTerminal(0);
  const sendSize = () => {
    const [cols, rows] = process.stdout.getWindowSize?.() ?? [0, 0];
    if (!rows || !cols) return;
    socket.write(frame(FRAME_RESIZE, new Uint8Array([rows & 0xff, rows >> 8, cols & 0xff, cols >> 8])));
  };
  if (state.tty && isTerminal(1)) {
    sendSize();
    process.on("SIGWINCH", sendSize);
  }

  let matched = 0;
  const pump = async () => {
    if (!opts.stdin) return;
    const reader = Bun.stdin.stream().getReader();
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end || !value) {
        socket.write(frame(FRAME_CLOSE_INPUT, new Uint8Array(0)));
        return;
      }
      const pass: number[] = [];
      for (const byte of value) {
        if (byte === opts.detachKeys[matched]) {
          matched++;
          if (matched === opts.detachKeys.length) {
            finish("detached");
            return;
          }
          continue;
        }
        // a partial match that broke off is ordinary input after all
        pass.push(...opts.detachKeys.slice(0, matched), byte);
        matched = 0;
      }
      for (let at = 0; at < pass.length; at += 65535) socket.write(frame(FRAME_INPUT, new Uint8Array(pass.slice(at, at + 65535))));
    }
  };
  void pump();
  try {
    return await done;
  } finally {
    process.off("SIGWINCH", sendSize);
    if (raw) restoreTerminal();
    socket.end();
  }
}
