/**
 * One error type for everything burrow reports: what step failed, on which
 * object, with which errno, and the exit code Docker would use.
 *
 *   burrow: pivot_root /var/lib/burrow/x/merged: Invalid argument (EINVAL)
 */
import { errnoMessage, errnoName, errnoNumber } from "./linux/errno.ts";

/** Docker's exit codes for failures that are not the container's own. */
export const ExitCode = {
  /** burrow itself failed */
  Failed: 125,
  /** the command exists but cannot be invoked */
  CannotInvoke: 126,
  /** the command was not found */
  NotFound: 127,
} as const;

export interface BurrowErrorInit {
  /** the step that failed: "pivot_root", "mount /proc", "cgroup memory.max" */
  step: string;
  /** what it failed on: a path, an image name, a container */
  object?: string;
  /** errno number, when a syscall failed */
  errno?: number;
  /** a sentence that helps the user fix it */
  hint?: string;
  /** reason text when there is no errno */
  reason?: string;
  exitCode?: number;
}

export class BurrowError extends Error {
  readonly step: string;
  readonly object?: string;
  readonly errno?: number;
  readonly hint?: string;
  readonly reason?: string;
  readonly exitCode: number;

  constructor(init: BurrowErrorInit) {
    super(formatError(init));
    this.name = "BurrowError";
    this.step = init.step;
    this.object = init.object;
    this.errno = init.errno;
    this.hint = init.hint;
    this.reason = init.reason;
    this.exitCode = init.exitCode ?? ExitCode.Failed;
  }

  /** name of the errno, "ENOENT", or undefined */
  get code(): string | undefined {
    return this.errno === undefined ? undefined : errnoName(this.errno);
  }
}

function formatError(e: BurrowErrorInit): string {
  let text = e.object ? `${e.step} ${e.object}` : e.step;
  if (e.reason) text += `: ${e.reason}`;
  if (e.errno !== undefined) text += `: ${errnoMessage(e.errno)} (${errnoName(e.errno)})`;
  if (e.hint) text += ` (${e.hint})`;
  return text;
}

/** A usage error: bad flag or value, nothing was attempted. */
export function usageError(reason: string, object?: string): BurrowError {
  return new BurrowError({ step: "invalid argument", object, reason });
}

/**
 * Wrap an error thrown by node:fs (which carries `code: "ENOENT"`) so that
 * it names our step and object.
 */
export function fromSystemError(err: unknown, step: string, object?: string, hint?: string): BurrowError {
  if (err instanceof BurrowError) return err;
  const code = (err as { code?: unknown })?.code;
  const errno = typeof code === "string" ? errnoNumber(code) : 0;
  if (errno) return new BurrowError({ step, object, errno, hint });
  return new BurrowError({ step, object, reason: err instanceof Error ? err.message : String(err), hint });
}

/** Run fn; any system error becomes a BurrowError naming step and object. */
export function attempt<T>(step: string, object: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromSystemError(err, step, object);
  }
}
