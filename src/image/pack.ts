/**
 * Directories back into tar layers: a container's upper dir for `commit`
 * (overlayfs whiteouts become .wh. entries again), and the merged view of
 * an image container's layers for `export`.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { lgetxattr } from "../linux/launcher.ts";
import { TarWriter, type EntryKind } from "./tar-writer.ts";

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

function isOpaque(path: string): boolean {
  // trusted.* as root, user.* in a user namespace (overlayfs's userxattr)
  const v = lgetxattr(path, "trusted.overlay.opaque") ?? lgetxattr(path, "user.overlay.opaque");
  return v !== undefined && v[0] === 0x79; // "y"
}

function kindOf(st: Stats): EntryKind {
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  if (st.isFIFO()) return "fifo";
  return "file";
}

/** Writes entries, turning a second name of an inode into a hard link. */
class LayerWriter {
  readonly tar = new TarWriter();
  private inodes = new Map<string, string>();

  add(name: string, host: string, st: Stats): void {
    const kind = kindOf(st);
    const base = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
    if (kind === "file" && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.inodes.get(key);
      if (first) {
        this.tar.entry({ ...base, kind: "hardlink", linkname: first });
        return;
      }
      this.inodes.set(key, name);
    }
    const rdev = st.rdev;
    this.tar.entry({
      ...base,
      kind,
      linkname: kind === "symlink" ? readlinkSync(host) : undefined,
      devmajor: kind === "char" || kind === "block" ? ((rdev >> 8) & 0xfff) : undefined,
      devminor: kind === "char" || kind === "block" ? ((rdev & 0xff) | ((rdev >> 12) & 0xfff00)) : undefined,
      data: kind === "file" ? readFileSync(host) : undefined,
    });
  }

  whiteout(name: string): void {
    const at = name.lastIndexOf("/");
    this.tar.entry({ name: `${name.slice(0, at + 1)}.wh.${name.slice(at + 1)}`, kind: "file", mode: 0o644 });
  }
}

/** An overlayfs upper dir as a layer: what changed, with deletions as whiteouts. */
export function packUpperDir(upper: string): Uint8Array {
  const w = new LayerWriter();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const host = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(host);
      if (isWhiteout(st)) {
        w.whiteout(path);
        continue;
      }
      w.add(path, host, st);
      if (st.isDirectory()) {
        if (isOpaque(host)) w.tar.entry({ name: `${path}/.wh..wh..opq`, kind: "file", mode: 0o644 });
        walk(host, path);
      }
    }
  };
  walk(upper, "");
  return w.tar.finish();
}

/**
 * The filesystem a container of an image sees, without mounting it: the
 * layers top first; a whiteout hides the name below, an opaque dir hides
 * everything below it.
 */
export function packMerged(layers: string[]): Uint8Array {
  const w = new LayerWriter();
  const decided = new Set<string>();
  const hidden = new Set<string>(); // opaque dirs: lower layers add nothing under them
  const underHidden = (path: string, layer: number) => {
    for (const h of hidden) {
      const [dir, from] = h.split("\0") as [string, string];
      if (Number(from) < layer && (path === dir || path.startsWith(`${dir}/`)) && path !== dir) return true;
    }
    return false;
  };
  const entries: Array<{ path: string; host: string; st: Stats }> = [];
  layers.forEach((top, layer) => {
    const walk = (dir: string, rel: string) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        const host = join(dir, name);
        const path = rel ? `${rel}/${name}` : name;
        if (underHidden(path, layer)) continue;
        const st = lstatSync(host);
        if (!decided.has(path)) {
          decided.add(path);
          if (!isWhiteout(st)) entries.push({ path, host, st });
        }
        if (st.isDirectory() && !isWhiteout(st)) {
          if (isOpaque(host)) hidden.add(`${path}\0${layer}`);
          walk(host, path);
        }
      }
    };
    walk(top, "");
  });
  // a whiteout also hides what lies below a deleted directory
  const kept = new Set(entries.map((e) => e.path));
  const deleted = [...decided].filter((p) => !kept.has(p));
  const isDeleted = (path: string) => {
    for (let at = path.lastIndexOf("/"); at > 0; at = path.lastIndexOf("/", at - 1)) if (deleted.includes(path.slice(0, at))) return true;
    return false;
  };
  for (const e of entries.sort((a, b) => a.path.localeCompare(b.path))) {
    if (deleted.length > 0 && isDeleted(e.path)) continue;
    w.add(e.path, e.host, e.st);
  }
  return w.tar.finish();
}
