/**
 * Where burrow keeps things. root: /run/burrow (live state) and
 * /var/lib/burrow (images, layers). Unprivileged: $XDG_RUNTIME_DIR/burrow
 * and ~/.local/share/burrow. `--root DIR` puts everything under DIR.
 */
import { join, resolve } from "node:path";

export interface Roots {
  /** live state: one directory per container */
  run: string;
  /** persistent data: images, layers */
  data: string;
}

let override: string | undefined;

/** --root DIR (global flag) */
export function setRootOverride(dir: string | undefined): void {
  override = dir === undefined ? undefined : resolve(dir);
}

export function rootOverride(): string | undefined {
  return override;
}

export function roots(): Roots {
  if (override) return { run: join(override, "run"), data: join(override, "data") };
  if (process.getuid!() === 0) return { run: "/run/burrow", data: "/var/lib/burrow" };
  const uid = process.getuid!();
  const runtimeDir = process.env.XDG_RUNTIME_DIR || `/tmp/burrow-run-${uid}`;
  const dataHome = process.env.XDG_DATA_HOME || join(process.env.HOME || `/tmp/burrow-home-${uid}`, ".local", "share");
  return { run: join(runtimeDir, "burrow"), data: join(dataHome, "burrow") };
}

export function containersDir(): string {
  return join(roots().run, "containers");
}

export function containerDir(id: string): string {
  return join(containersDir(), id);
}

/** A container's files that must be on disk, not in /run: its writable layer. */
export function containerDataDir(id: string): string {
  return join(roots().data, "containers", id);
}
