/**
 * --debug: each launch step with the time since burrow started, on stderr.
 * Costs one branch when off.
 */
import { writeErr } from "./output.ts";

let enabled = false;
const start = performance.now();

export function setDebug(on: boolean): void {
  enabled = on;
}

export function isDebug(): boolean {
  return enabled;
}

export function debug(step: string): void {
  if (enabled) writeErr(`burrow: debug: ${(performance.now() - start).toFixed(2).padStart(7)} ms  ${step}\n`);
}
