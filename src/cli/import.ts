/**
 * burrow import [--change 'CMD ["sh"]'] TARBALL|- [REPOSITORY[:TAG]]
 */
import { usageError } from "../errors.ts";
import { importTarball } from "../image/import.ts";
import type { Command } from "./command.ts";
import { list } from "./options.ts";
import { writeOut } from "../output.ts";

/** Docker's --change, the one instruction an imported rootfs needs most: CMD */
function cmdFrom(changes: string[]): string[] | undefined {
  let cmd: string[] | undefined;
  for (const c of changes) {
    const m = /^CMD\s+(.*)$/.exec(c.trim());
    if (!m) throw usageError(`unsupported change "${c}" (only CMD)`, "--change");
    const value = m[1]!.trim();
    cmd = value.startsWith("[") ? (JSON.parse(value) as string[]) : ["/bin/sh", "-c", value];
  }
  return cmd;
}

export const importCommand: Command = {
  meta: { name: "import", description: "Import the contents from a tarball to create a filesystem image" },
  usage: "[OPTIONS] file|- [REPOSITORY[:TAG]]",
  failureCode: 1,
  options: {
    change: { type: "string", alias: "c", multiple: true, description: "Apply a Dockerfile instruction to the created image (CMD)" },
    help: { type: "boolean", description: "Print usage" },
  },
  run(args) {
    const [source, name] = args.positionals;
    if (!source) throw usageError("burrow import needs a tarball (or - for stdin)");
    const result = importTarball(source, name, { cmd: cmdFrom(list(args, "change")) });
    writeOut(`${result.id}\n`);
    return 0;
  },
};
