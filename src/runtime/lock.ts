/**
 * Locks between burrow processes: flock on a file. One per container (its
 * state dir's "lock"), one for the names, one for the image index.
 */
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { flock, LOCK_EX, LOCK_UN } from "../linux/launcher.ts";
import { containerDir } from "./paths.ts";

/** Run fn holding an exclusive lock on `path` (made if missing). */
export function withFileLock<T>(path: string, fn: () => T): T {
  const fd = openSync(path, "a");
  try {
    flock(fd, LOCK_EX);
    return fn();
  } finally {
    flock(fd, LOCK_UN);
    closeSync(fd);
  }
}

/** Run fn holding the container's lock; undefined when its dir is gone. */
export function withContainerLock<T>(id: string, fn: () => T): T | undefined {
  try {
    return withFileLock(join(containerDir(id), "lock"), fn);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}
