/**
 * Container names, unique per state root: names/NAME is a symlink to the
 * container's id. Taking a name over from a container that no longer exists
 * (a crash's leftover) is a read-then-replace, so names change hands under
 * a lock: twenty `run -d --name same` at once give one winner and nineteen
 * clear errors.
 */
import { existsSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { BurrowError } from "../errors.ts";
import { withFileLock } from "./lock.ts";
import { containerDir, roots } from "./paths.ts";

function namesDir(): string {
  return join(roots().run, "names");
}

function withNamesLock<T>(fn: () => T): T {
  mkdirSync(namesDir(), { recursive: true, mode: 0o711 });
  return withFileLock(join(namesDir(), ".lock"), fn);
}

export function reserveName(name: string, id: string): void {
  withNamesLock(() => reserveLocked(name, id));
}

function reserveLocked(name: string, id: string): void {
  const link = join(namesDir(), name);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      symlinkSync(id, link);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
    }
    let owner: string;
    try {
      owner = readlinkSync(link);
    } catch {
      continue; // released meanwhile
    }
    if (existsSync(containerDir(owner))) {
      throw new BurrowError({
        step: `Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`,
      });
    }
    releaseLocked(name, owner); // its container is gone: a leftover of a crash
  }
  throw new BurrowError({ step: "reserve name", object: name, reason: "the name keeps changing hands" });
}

/** Remove the name if it still points at this id. */
export function releaseName(name: string, id: string): void {
  if (!existsSync(namesDir())) return;
  withNamesLock(() => releaseLocked(name, id));
}

function releaseLocked(name: string, id: string): void {
  const link = join(namesDir(), name);
  try {
    if (readlinkSync(link) === id) unlinkSync(link);
  } catch {
    // not there
  }
}

export function idForName(name: string): string | undefined {
  try {
    return readlinkSync(join(namesDir(), name));
  } catch {
    return undefined;
  }
}
