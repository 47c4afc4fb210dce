/**
 * Mount points in a read-only root must exist before the root turns
 * read-only (the child mounts onto them but cannot create them), so they are
 * made here, on the host, as Docker makes them in the container's layer.
 * Targets inside a filesystem the container mounts itself (/dev/pts in the
 * /dev tmpfs) are left to the child.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { BurrowError, fromSystemError } from "../errors.ts";
import { resolveInRoot } from "../linux/resolve-in-root.ts";
import type { Mount, Spec } from "../spec/types.ts";

function isBind(m: Mount): boolean {
  return m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind");
}

function isUnder(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

export function prepareReadonlyMountpoints(spec: Spec): void {
  if (!spec.root.readonly) return;
  const rootfs = spec.root.path;
  const fresh: string[] = []; // destinations of filesystems the child creates
  for (const m of spec.mounts) {
    if (fresh.some((dir) => isUnder(m.destination, dir))) continue;
    if (!isBind(m)) fresh.push(m.destination);
    const target = resolveInRoot(rootfs, m.destination);
    if (existsSync(target)) continue;
    if (rootfs === "/") {
      throw new BurrowError({
        step: "mount",
        object: m.destination,
        reason: "the mount point does not exist in the read-only host root",
      });
    }
    const asFile = isBind(m) && !statSync(m.source ?? "/").isDirectory();
    try {
      mkdirSync(asFile ? dirname(target) : target, { recursive: true, mode: 0o755 });
      if (asFile) writeFileSync(target, "", { flag: "a", mode: 0o644 });
    } catch (err) {
      throw fromSystemError(err, "create mount point", m.destination);
    }
  }
}

/**
 * The working directory is made when missing, as Docker makes it (in the
 * container's own layer for an image). Never in the host's root.
 */
export function prepareWorkdir(spec: Spec): void {
  const rootfs = spec.root.path;
  if (rootfs === "/" || spec.process.cwd === "/") return;
  const target = resolveInRoot(rootfs, spec.process.cwd);
  if (existsSync(target)) return;
  try {
    mkdirSync(target, { recursive: true, mode: 0o755 });
  } catch {
    // a read-only rootfs: chdir will say what is wrong, with the right exit code
  }
}
