/**
 * burrow container prune: remove all stopped containers.
 */
import { destroyContainer, refresh } from "../runtime/lifecycle.ts";
import { listContainers } from "../runtime/lookup.ts";
import type { Command } from "./command.ts";
import { writeOut } from "../output.ts";

export const containerPruneCommand: Command = {
  meta: { name: "prune", description: "Remove all stopped containers" },
  usage: "[OPTIONS]",
  failureCode: 1,
  options: {
    force: { type: "boolean", alias: "f", description: "Do not prompt for confirmation (burrow never prompts)" },
    help: { type: "boolean", description: "Print usage" },
  },
  run() {
    const removed: string[] = [];
    for (const c of listContainers().map(refresh)) {
      if (c.status !== "exited") continue;
      destroyContainer(c.id);
      removed.push(c.id);
    }
    if (removed.length > 0) writeOut(`Deleted Containers:\n${removed.join("\n")}\n\n`);
    writeOut("Total reclaimed space: 0B\n");
    return 0;
  },
};
