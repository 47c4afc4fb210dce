/**
 * One lock per container (flock on its state dir's "lock" file): two burrow
 * commands never change the same container at once.
 */
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { flock, LOCK_EX, LOCK_UN } from "../linux/launcher.ts";
import { containerDir } from "./paths.ts";

/** Run fn holding the container's lock; undefined when its dir is gone. */
export function withContainerLock<T>(id: string, fn: () => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(join(containerDir(id), "lock"), "a");
  } catch {
    return undefined;
  }
  try {
    flock(fd, LOCK_EX);
    return fn();
  } finally {
    flock(fd, LOCK_UN);
    closeSync(fd);
  }
}
