/**
 * burrow load [-i FILE] and burrow save -o FILE IMAGE...
 */
import { usageError } from "../errors.ts";
import { loadArchive, saveArchive } from "../image/archive.ts";
import { familiarName, parseReference } from "../image/reference.ts";
import { readIndex } from "../image/store.ts";
import type { Command } from "./command.ts";
import { lookup } from "./image-verbs.ts";
import { str } from "./options.ts";
import { writeOut } from "../output.ts";

export const loadCommand: Command = {
  meta: { name: "load", description: "Load an image from a tar archive (docker save or OCI layout)" },
  usage: "[OPTIONS]",
  failureCode: 1,
  options: {
    input: { type: "string", alias: "i", description: "Read from tar archive file, instead of STDIN" },
    quiet: { type: "boolean", alias: "q", description: "Suppress the load output" },
    help: { type: "boolean", description: "Print usage" },
  },
  run(args) {
    const index = () => readIndex();
    for (const record of loadArchive(str(args, "input") ?? "-")) {
      const names = Object.entries(index().names).filter(([, id]) => id === record.id).map(([n]) => n);
      if (names.length === 0) writeOut(`Loaded image ID: ${record.id}\n`);
      for (const n of names) {
        const ref = parseReference(n);
        writeOut(`Loaded image: ${familiarName(ref)}:${ref.tag ?? "latest"}\n`);
      }
    }
    return 0;
  },
};

export const saveCommand: Command = {
  meta: { name: "save", description: "Save one or more images to a tar archive" },
  usage: "-o FILE IMAGE [IMAGE...]",
  failureCode: 1,
  options: {
    output: { type: "string", alias: "o", description: "Write to a file (required)" },
    help: { type: "boolean", description: "Print usage" },
  },
  run(args) {
    const out = str(args, "output");
    if (!out) throw usageError("burrow save needs -o FILE (it does not write archives to a terminal)");
    if (args.positionals.length === 0) throw usageError("burrow save needs at least one image");
    const index = readIndex();
    const images = args.positionals.map((text) => {
      const { record, name } = lookup(text);
      // saved by name: that name; saved by id: every name it has
      const names = name && index.names[name] === record.id ? [name] : Object.entries(index.names).filter(([, id]) => id === record.id).map(([n]) => n);
      return { record, names };
    });
    saveArchive(images, out);
    return 0;
  },
};
