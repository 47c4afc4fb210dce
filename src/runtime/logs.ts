/**
 * Reading a container's log: container.log (and its rotated files
 * container.log.N, oldest first), JSON lines as Docker's json-file driver
 * writes them: {"log":"text\n","stream":"stdout","time":"RFC3339Nano"}.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { logPath } from "./container-files.ts";

export interface LogEntry {
  log: string;
  stream: "stdout" | "stderr";
  time: string;
}

function parseLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a line being written: the follower reads it next time
    }
  }
  return out;
}

function readFrom(path: string, offset: number): { text: string; end: number } {
  const fd = openSync(path, "r");
  try {
    const size = statSync(path).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    // only whole lines: the rest is read when it is complete
    const text = buf.subarray(0, got).toString("utf8");
    const cut = text.lastIndexOf("\n") + 1;
    return { text: text.slice(0, cut), end: offset + Buffer.byteLength(text.slice(0, cut)) };
  } finally {
    closeSync(fd);
  }
}

/** Every entry so far, the rotated files first. */
export function readLog(id: string): { entries: LogEntry[]; offset: number; inode: number } {
  const base = logPath(id);
  const entries: LogEntry[] = [];
  for (let n = 20; n >= 1; n--) {
    const rotated = `${base}.${n}`;
    if (existsSync(rotated)) entries.push(...parseLines(readFrom(rotated, 0).text));
  }
  if (!existsSync(base)) return { entries, offset: 0, inode: 0 };
  const { text, end } = readFrom(base, 0);
  entries.push(...parseLines(text));
  return { entries, offset: end, inode: statSync(base).ino };
}

/** New entries after `offset`; starts over when the file was rotated (new inode). */
export function readMore(id: string, offset: number, inode: number): { entries: LogEntry[]; offset: number; inode: number } {
  const base = logPath(id);
  if (!existsSync(base)) return { entries: [], offset, inode };
  const now = statSync(base).ino;
  const from = now === inode ? offset : 0;
  const { text, end } = readFrom(base, from);
  return { entries: parseLines(text), offset: end, inode: now };
}
