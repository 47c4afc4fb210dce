/**
 * Files in a container's state dir besides state.json: its spec
 * (config.json), the exit code the monitor writes, and its logs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Spec } from "../spec/types.ts";
import { containerDir } from "./paths.ts";
import { writeAtomic } from "./state.ts";

export function saveSpec(id: string, spec: Spec): void {
  writeAtomic(join(containerDir(id), "config.json"), JSON.stringify(spec, null, 2));
}

export function loadSpec(id: string): Spec {
  return JSON.parse(readFileSync(join(containerDir(id), "config.json"), "utf8")) as Spec;
}

/** The exit code the monitor recorded, if the container has exited under it. */
export function recordedExitCode(id: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(join(containerDir(id), "exitcode"), "utf8"), 10);
    return Number.isNaN(n) ? undefined : n;
  } catch {
    return undefined;
  }
}

export function logPath(id: string): string {
  return join(containerDir(id), "container.log");
}
