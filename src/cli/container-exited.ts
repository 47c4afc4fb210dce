/**
 * burrow container-exited ID CODE: what a container's monitor runs when the
 * container exits. Records the exit, removes a --rm container, applies the
 * restart policy. Not for people.
 */
import { finalize } from "../runtime/lifecycle.ts";
import type { Command } from "./command.ts";

export const containerExitedCommand: Command = {
  meta: { name: "container-exited", description: "Record a detached container's exit (run by its monitor)" },
  usage: "ID EXIT_CODE",
  hidden: true,
  options: {},
  run(args) {
    const [id, code] = args.positionals;
    if (!id) return 2;
    finalize(id, code === undefined ? undefined : Number(code));
    return 0;
  },
};
