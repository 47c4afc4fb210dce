/**
 * A tar reader (POSIX ustar, pax extended headers, GNU long names): yields
 * each entry of an archive held in memory. Only parsing: what an entry may
 * do to the filesystem is decided by ./unpack.ts.
 */
import { BurrowError } from "../errors.ts";

export type EntryType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

export interface TarEntry {
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Uint8Array>;
  data: Uint8Array;
}

const TYPES: Record<string, EntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "dir",
  "6": "fifo",
};

const decoder = new TextDecoder();

function text(block: Uint8Array, at: number, len: number): string {
  const field = block.subarray(at, at + len);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** octal, or base-256 when the top bit is set (GNU, for big sizes and ids) */
function number(block: Uint8Array, at: number, len: number): number {
  if (block[at]! & 0x80) {
    let n = block[at]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + block[at + i]!;
    return n;
  }
  const t = text(block, at, len).trim();
  return t ? Number.parseInt(t, 8) : 0;
}

function parsePax(data: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(len) || len <= 0) throw new BurrowError({ step: "read layer", reason: "malformed pax header" });
    const record = data.subarray(space + 1, at + len - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq > 0) out.set(decoder.decode(record.subarray(0, eq)), record.subarray(eq + 1));
    at += len;
  }
  return out;
}

function checksumOk(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum === number(block, 148, 8);
}

export function* readTar(archive: Uint8Array): Generator<TarEntry> {
  let at = 0;
  let pax = new Map<string, Uint8Array>();
  let longName: string | undefined;
  let longLink: string | undefined;
  while (at + 512 <= archive.length) {
    const block = archive.subarray(at, at + 512);
    if (block.every((b) => b === 0)) return; // end of archive
    if (!checksumOk(block)) throw new BurrowError({ step: "read layer", reason: `bad tar header checksum at byte ${at}` });
    const size = number(block, 124, 12);
    const flag = String.fromCharCode(block[156]!);
    const dataStart = at + 512;
    if (dataStart + size > archive.length) throw new BurrowError({ step: "read layer", reason: "the archive is truncated" });
    const data = archive.subarray(dataStart, dataStart + size);
    at = dataStart + Math.ceil(size / 512) * 512;

    if (flag === "x") {
      pax = parsePax(data);
      continue;
    }
    if (flag === "g") continue; // global pax header: nothing we use
    if (flag === "L") {
      longName = text(data, 0, data.length);
      continue;
    }
    if (flag === "K") {
      longLink = text(data, 0, data.length);
      continue;
    }
    const type = TYPES[flag];
    if (!type) throw new BurrowError({ step: "read layer", reason: `unsupported tar entry type "${flag}"` });
    const prefix = decoder.decode(block.subarray(257, 263)).startsWith("ustar") ? text(block, 345, 155) : "";
    const name = text(block, 0, 100);
    const paxText = (key: string) => (pax.has(key) ? decoder.decode(pax.get(key)) : undefined);
    const xattrs = new Map<string, Uint8Array>();
    for (const [key, value] of pax) if (key.startsWith("SCHILY.xattr.")) xattrs.set(key.slice(13), value);
    yield {
      path: paxText("path") ?? longName ?? (prefix ? `${prefix}/${name}` : name),
      type,
      mode: number(block, 100, 8) & 0o7777,
      uid: Number(paxText("uid") ?? number(block, 108, 8)),
      gid: Number(paxText("gid") ?? number(block, 116, 8)),
      mtime: Number(paxText("mtime") ?? number(block, 136, 12)),
      linkname: paxText("linkpath") ?? longLink ?? text(block, 157, 100),
      devmajor: number(block, 329, 8),
      devminor: number(block, 337, 8),
      xattrs,
      data: type === "file" ? data : new Uint8Array(0),
    };
    pax = new Map();
    longName = undefined;
    longLink = undefined;
  }
  throw new BurrowError({ step: "read layer", reason: "the archive is truncated (no end-of-archive blocks)" });
}
