/**
 * Verbs burrow runs itself inside a user namespace (rootless images):
 * unpack a layer, remove a tree. Not for people.
 */
import { readFileSync, rmSync } from "node:fs";
import { unpackLayer } from "../image/unpack.ts";
import type { Command } from "./command.ts";

export const unpackLayerCommand: Command = {
  meta: { name: "unpack-layer", description: "Unpack an uncompressed layer (run by burrow in a user namespace)" },
  usage: "TAR DIR",
  hidden: true,
  options: {},
  run(args) {
    const [tar, dir] = args.positionals;
    if (!tar || !dir) return 2;
    unpackLayer(readFileSync(tar), dir, { userxattr: true });
    return 0;
  },
};

export const removeTreeCommand: Command = {
  meta: { name: "remove-tree", description: "Remove directories (run by burrow in a user namespace)" },
  usage: "DIR...",
  hidden: true,
  options: {},
  run(args) {
    for (const dir of args.positionals) rmSync(dir, { recursive: true, force: true });
    return 0;
  },
};
