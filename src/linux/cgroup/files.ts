/**
 * Reading and writing cgroup files, with errors that name the controller
 * file: "cgroup memory.max /sys/fs/cgroup/burrow/ID: Invalid argument (EINVAL)".
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BurrowError, fromSystemError } from "../../errors.ts";

export function writeCgroupFile(dir: string, file: string, value: string | number): void {
  try {
    writeFileSync(join(dir, file), String(value));
  } catch (err) {
    const e = fromSystemError(err, `cgroup ${file}`, dir);
    if (e.code === "ENOENT") {
      throw new BurrowError({ step: `cgroup ${file}`, object: dir, errno: e.errno, hint: "the controller is not available on this host" });
    }
    throw new BurrowError({ step: `cgroup ${file}`, object: `${dir} (${value})`, errno: e.errno });
  }
}

export function readCgroupFile(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), "utf8").trim();
  } catch {
    return undefined;
  }
}

/** "key value" lines (memory.events, cpu.stat, memory.stat) as a map */
export function readKeyedFile(dir: string, file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (readCgroupFile(dir, file) ?? "").split("\n")) {
    const [key, value] = line.split(/\s+/);
    if (key && value !== undefined) out.set(key, Number(value));
  }
  return out;
}

export function readNumber(dir: string, file: string): number | undefined {
  const text = readCgroupFile(dir, file);
  if (text === undefined || text === "max") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
