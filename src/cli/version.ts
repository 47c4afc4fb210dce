/**
 * burrow version [--json]
 */
import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";
import { bool } from "./options.ts";
import { writeOut } from "../output.ts";

export const versionCommand: Command = {
  meta: { name: "version", description: "Show the burrow version information" },
  usage: "[OPTIONS]",
  options: {
    json: { type: "boolean", description: "Format output as JSON" },
    help: { type: "boolean", description: "Print usage" },
  },
  run(args) {
    const info = { version: VERSION, bun: Bun.version, os: process.platform, arch: process.arch };
    if (bool(args, "json")) writeOut(`${JSON.stringify(info)}\n`);
    else writeOut(`burrow version ${info.version}\n bun ${info.bun}\n ${info.os}/${info.arch}\n`);
    return 0;
  },
};
