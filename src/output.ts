/**
 * burrow's own output on stdout and stderr, written with write(2).
 *
 * Bun sets up process.stdout and process.stderr on first use, and that
 * costs about 6 ms a process on this project's VM (a first `write` of
 * 2.6-3 ms, the rest at exit), against 0.04 ms for writeSync: more than
 * burrow spends on a container's whole spec. So nothing on a hot path
 * touches them.
 */
import { writeSync } from "node:fs";

export function writeOut(data: string | Uint8Array): void {
  writeAll(1, data);
}

export function writeErr(data: string | Uint8Array): void {
  writeAll(2, data);
}

function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      const code = (err as { code?: string }).code;
      // a non-blocking pipe that is full: wait for the reader
      if (code === "EAGAIN") Bun.sleepSync(1);
      // the reader is gone (`burrow ps | head`): nothing more to say
      else if (code === "EPIPE") return;
      else throw err;
    }
  }
}
