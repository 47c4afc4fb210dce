/**
 * Verbs that act on containers named on the command line share this:
 * find each, act, print its name as Docker does, and report failures one
 * line each while going on with the rest (exit 1 if any failed).
 */
import { BurrowError } from "../errors.ts";
import { refresh } from "../runtime/lifecycle.ts";
import { findContainer } from "../runtime/lookup.ts";
import type { ContainerState } from "../runtime/state.ts";
import { writeOut, writeErr } from "../output.ts";

export async function forEachContainer(refs: string[], act: (c: ContainerState, ref: string) => Promise<void> | void): Promise<number> {
  if (refs.length === 0) throw new BurrowError({ step: "invalid argument", reason: "requires at least 1 container", exitCode: 1 });
  let failed = false;
  for (const ref of refs) {
    try {
      await act(refresh(findContainer(ref)), ref);
      writeOut(`${ref}\n`);
    } catch (err) {
      if (!(err instanceof BurrowError)) throw err;
      writeErr(`burrow: ${err.message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
