/**
 * Help text in Docker's layout:
 *
 *   Usage:  burrow run [OPTIONS] --rootfs DIR COMMAND [ARG...]
 *
 *   Run a command in a new container
 *
 *   Options:
 *     -e, --env list    Set environment variables
 */
import type { Command, OptionDefs } from "./command.ts";

export function commandHelp(cmd: Command): string {
  return [
    `Usage:  burrow ${cmd.meta.name} ${cmd.usage}`,
    "",
    cmd.meta.description,
    "",
    "Options:",
    optionLines(cmd.options),
    "",
  ].join("\n");
}

export function optionLines(options: OptionDefs): string {
  const rows = Object.entries(options)
    .filter(([, d]) => !d.hidden)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, d]) => {
      const short = d.alias ? `-${Array.isArray(d.alias) ? d.alias[0] : d.alias}, ` : "    ";
      const hint = d.type === "string" ? ` ${d.valueHint ?? (d.multiple ? "list" : "string")}` : "";
      return [`  ${short}--${name}${hint}`, d.description ?? ""] as const;
    });
  const width = Math.max(...rows.map(([left]) => left.length)) + 3;
  return rows.map(([left, text]) => left.padEnd(width) + text).join("\n");
}
