/**
 * Resolve a path inside a container's root filesystem the way the kernel
 * would after chroot: symlinks (absolute or with "..") never lead outside
 * the root. Used where TypeScript reads or prepares files of a rootfs
 * (/etc/passwd, mount points) before the container exists.
 */
import { lstatSync, readlinkSync } from "node:fs";
import { join } from "node:path";

const MAX_SYMLINKS = 40;

/** Host path for `path` interpreted inside `root` (which must be absolute). */
export function resolveInRoot(root: string, path: string): string {
  const pending = path.split("/").filter(Boolean).reverse();
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === ".") continue;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    let isLink = false;
    try {
      isLink = lstatSync(host).isSymbolicLink();
    } catch {
      // does not exist (yet): the rest is taken literally
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) {
      const err = new Error(`too many symlinks resolving ${path}`) as Error & { code: string };
      err.code = "ELOOP";
      throw err;
    }
    const target = readlinkSync(host);
    if (target.startsWith("/")) resolved.length = 0;
    pending.push(...target.split("/").filter(Boolean).reverse());
  }
  return join(root, ...resolved);
}
