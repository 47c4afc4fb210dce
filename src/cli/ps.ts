/**
 * burrow ps [-a] [-q] [--no-trunc] [--format json]
 */
import { refresh } from "../runtime/lifecycle.ts";
import { listContainers } from "../runtime/lookup.ts";
import type { ContainerState } from "../runtime/state.ts";
import type { Command } from "./command.ts";
import { humanDuration, table, wantsJson } from "./format.ts";
import { bool } from "./options.ts";
import { writeOut } from "../output.ts";

export function statusText(c: ContainerState, now = Date.now()): string {
  if (c.status === "running") return `Up ${humanDuration(now - Date.parse(c.startedAt ?? c.created))}`;
  if (c.status === "exited") {
    const code = c.exitCode === undefined || c.exitCode < 0 ? "unknown" : String(c.exitCode);
    return `Exited (${code}) ${humanDuration(now - Date.parse(c.finishedAt ?? c.created))} ago`;
  }
  return c.status === "created" ? "Created" : "Creating";
}

export const psCommand: Command = {
  meta: { name: "ps", description: "List containers" },
  usage: "[OPTIONS]",
  failureCode: 1,
  options: {
    all: { type: "boolean", alias: "a", description: "Show all containers (default shows just running)" },
    quiet: { type: "boolean", alias: "q", description: "Only display container IDs" },
    "no-trunc": { type: "boolean", description: "Don't truncate output" },
    json: { type: "boolean", description: "Format output as JSON" },
    format: { type: "string", description: "Format output: json or table" },
    help: { type: "boolean", description: "Print usage" },
  },
  run(args) {
    const all = bool(args, "all");
    const containers = listContainers()
      .map(refresh)
      .filter((c) => c.status !== "creating" && (all || c.status === "running"))
      .sort((a, b) => b.created.localeCompare(a.created));
    const trunc = !bool(args, "no-trunc");
    const id = (c: ContainerState) => (trunc ? c.id.slice(0, 12) : c.id);
    if (bool(args, "quiet")) {
      writeOut(containers.map((c) => `${id(c)}\n`).join(""));
      return 0;
    }
    if (wantsJson(args)) {
      const rows = containers.map((c) => ({
        Id: c.id,
        Names: [c.name],
        Image: c.image,
        Command: c.command.join(" "),
        Created: c.created,
        State: c.status,
        Status: statusText(c),
        ExitCode: c.exitCode,
        Pid: c.status === "running" ? c.pid : 0,
      }));
      writeOut(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    const command = (c: ContainerState) => {
      const text = c.command.join(" ");
      return JSON.stringify(trunc && text.length > 20 ? `${text.slice(0, 19)}…` : text);
    };
    const rows = containers.map((c) => [id(c), c.image, command(c), `${humanDuration(Date.now() - Date.parse(c.created))} ago`, statusText(c), "", c.name]);
    writeOut(table(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], rows));
    return 0;
  },
};
