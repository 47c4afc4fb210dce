/**
 * Unpack one layer into its own directory, written for safety: no entry may
 * touch anything outside the layer (no "..", no absolute paths, no parent
 * that is a symlink, no hard link to outside), and an entry replaces what
 * an earlier entry left at its path. Owners, modes, times, links, devices,
 * fifos and xattrs are kept; whiteouts become overlayfs whiteouts.
 */
import { chmodSync, closeSync, linkSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, rmSync, symlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { BurrowError, fromSystemError } from "../errors.ts";
import { lsetxattr, mknod } from "../linux/launcher.ts";
import { readTar, type TarEntry } from "./tar.ts";

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE = ".wh..wh..opq";
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/** "./a//b/" → ["a", "b"]; anything that climbs out is refused */
export function layerPath(path: string): string[] {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") throw new BurrowError({ step: "unpack layer", object: path, reason: "the entry's path leaves the layer" });
    parts.push(part);
  }
  return parts;
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Make the parents of an entry, refusing to go through a symlink. */
function parentDir(root: string, parts: string[], entry: string): string {
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const st = lstatOrUndefined(dir);
    if (!st) mkdirSync(dir, { mode: 0o755 });
    else if (st.isSymbolicLink()) throw new BurrowError({ step: "unpack layer", object: entry, reason: `its parent ${part} is a symlink: it could lead outside the layer` });
    else if (!st.isDirectory()) throw new BurrowError({ step: "unpack layer", object: entry, reason: `its parent ${part} is not a directory` });
  }
  return dir;
}

function makedev(major: number, minor: number): bigint {
  return (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
}

function writeFile(path: string, data: Uint8Array, mode: number): void {
  const fd = openSync(path, "wx", mode); // O_CREAT|O_EXCL: never follows a symlink
  try {
    let at = 0;
    while (at < data.length) at += writeSync(fd, data, at);
  } finally {
    closeSync(fd);
  }
}

export interface UnpackStats {
  entries: number;
  bytes: number;
}

export interface UnpackOptions {
  /** in a user namespace: opaque dirs are marked user.overlay.opaque (overlayfs's userxattr) */
  userxattr?: boolean;
}

/** Unpack an uncompressed tar layer into `root` (an empty directory). */
export function unpackLayer(tar: Uint8Array, root: string, opts: UnpackOptions = {}): UnpackStats {
  const stats: UnpackStats = { entries: 0, bytes: 0 };
  const dirTimes: Array<[string, number]> = [];
  for (const entry of readTar(tar)) {
    stats.entries++;
    stats.bytes += entry.data.length;
    try {
      const dirTime = applyEntry(root, entry, opts);
      if (dirTime) dirTimes.push(dirTime);
    } catch (err) {
      throw fromSystemError(err, "unpack layer", entry.path);
    }
  }
  // directories last: the files made inside them changed their times
  for (const [dir, mtime] of dirTimes.reverse()) lutimesSync(dir, mtime, mtime);
  return stats;
}

function applyEntry(root: string, entry: TarEntry, opts: UnpackOptions): [string, number] | undefined {
  const parts = layerPath(entry.path);
  if (parts.length === 0) return undefined; // "./" itself
  const name = parts.at(-1)!;
  const dir = parentDir(root, parts, entry.path);

  if (name === OPAQUE) {
    lsetxattr(dir, opts.userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque", new TextEncoder().encode("y"));
    return undefined;
  }
  if (name.startsWith(WHITEOUT_PREFIX)) {
    const hidden = join(dir, name.slice(WHITEOUT_PREFIX.length));
    rmSync(hidden, { recursive: true, force: true });
    mknod(hidden, S_IFCHR, 0n);
    return undefined;
  }

  const path = join(dir, name);
  const existing = lstatOrUndefined(path);
  // a later entry replaces an earlier one; a directory stays a directory
  if (existing && !(existing.isDirectory() && entry.type === "dir")) rmSync(path, { recursive: true, force: true });

  switch (entry.type) {
    case "dir":
      if (!existing?.isDirectory()) mkdirSync(path, { mode: 0o755 });
      break;
    case "file":
      writeFile(path, entry.data, 0o600);
      break;
    case "symlink":
      symlinkSync(entry.linkname, path);
      break;
    case "hardlink": {
      const targetParts = layerPath(entry.linkname);
      const target = join(parentDir(root, targetParts, entry.linkname), targetParts.at(-1) ?? "");
      const st = lstatOrUndefined(target);
      if (!st || st.isDirectory()) throw new BurrowError({ step: "unpack layer", object: entry.path, reason: `hard link to ${entry.linkname}, which is not a file of this layer` });
      linkSync(target, path);
      return undefined; // shares the target's inode: owner and mode are the target's
    }
    case "char":
    case "block":
    case "fifo": {
      const kind = entry.type === "char" ? S_IFCHR : entry.type === "block" ? S_IFBLK : S_IFIFO;
      mknod(path, kind | (entry.mode & 0o777), makedev(entry.devmajor, entry.devminor));
      break;
    }
  }
  lchownSync(path, entry.uid, entry.gid);
  // after chown, which clears setuid and setgid
  if (entry.type !== "symlink") chmodSync(path, entry.mode);
  for (const [key, value] of entry.xattrs) lsetxattr(path, key, value);
  if (entry.type === "dir") return [path, entry.mtime];
  lutimesSync(path, entry.mtime, entry.mtime);
  return undefined;
}


