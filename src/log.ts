/**
 * Messages on stderr through consola. Only consola's core is loaded: its
 * full entry point detects terminals through node:tty, which costs ~19 ms
 * of start-up on every container launch. Lines are plain and stable
 * ("burrow: warning: ...") so scripts can grep them; --log-level sets what
 * is shown.
 */
import { createConsola, type ConsolaInstance, type LogObject } from "consola/core";
import { writeErr } from "./output.ts";

const LEVELS: Record<string, number> = { error: 0, warn: 1, warning: 1, info: 3, debug: 4 };

const reporter = {
  log(entry: LogObject) {
    const label = entry.type === "warn" ? "warning" : entry.type;
    const text = entry.args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
    writeErr(label === "log" ? `${text}\n` : `burrow: ${label}: ${text}\n`);
  },
};

export const log: ConsolaInstance = createConsola({ level: 3, reporters: [reporter] });

/** --log-level debug|info|warn|error */
export function setLogLevel(name: string): void {
  const level = LEVELS[name];
  if (level === undefined) throw new Error(`unknown log level "${name}"`);
  log.level = level;
}
