/**
 * images, rmi, tag, image inspect, image prune.
 */
import { BurrowError, usageError } from "../errors.ts";
import { canonical, familiarName, parseReference } from "../image/reference.ts";
import { lookupImage, type FoundImage } from "../image/resolve.ts";
import { hexOf, imageConfig, pruneStore, readIndex, tagImage, untagOrRemove } from "../image/store.ts";
import { listContainers } from "../runtime/lookup.ts";
import type { Command } from "./command.ts";
import { humanDuration, table, wantsJson } from "./format.ts";
import { bool } from "./options.ts";
import { formatBytes } from "../spec/units.ts";
import { writeOut } from "../output.ts";

const help = { help: { type: "boolean", description: "Print usage" } } as const;

export function lookup(text: string): FoundImage {
  const found = lookupImage(text);
  if (!found) throw new BurrowError({ step: "No such image:", object: text, exitCode: 1 });
  return found;
}

export const imagesCommand: Command = {
  meta: { name: "images", description: "List images" },
  usage: "[OPTIONS]",
  failureCode: 1,
  options: {
    quiet: { type: "boolean", alias: "q", description: "Only show image IDs" },
    json: { type: "boolean", description: "Format output as JSON" },
    format: { type: "string", description: "Format output: json or table" },
    "no-trunc": { type: "boolean", description: "Don't truncate output" },
    ...help,
  },
  run(args) {
    const index = readIndex();
    const rows: Array<{ repository: string; tag: string; id: string; created: string; size: number }> = [];
    for (const [name, id] of Object.entries(index.names)) {
      const ref = parseReference(name);
      const image = index.images[id]!;
      rows.push({ repository: familiarName(ref), tag: ref.tag ?? "<none>", id, created: image.created, size: image.size });
    }
    for (const image of Object.values(index.images)) {
      if (!Object.values(index.names).includes(image.id)) rows.push({ repository: "<none>", tag: "<none>", id: image.id, created: image.created, size: image.size });
    }
    const short = (id: string) => (bool(args, "no-trunc") ? id : hexOf(id).slice(0, 12));
    if (bool(args, "quiet")) {
      writeOut([...new Set(rows.map((r) => short(r.id)))].map((id) => `${id}\n`).join(""));
    } else if (wantsJson(args)) {
      writeOut(`${JSON.stringify(rows.map((r) => ({ Repository: r.repository, Tag: r.tag, ID: r.id, CreatedAt: r.created, Size: r.size })))}\n`);
    } else {
      const lines = rows.map((r) => [r.repository, r.tag, short(r.id), `${humanDuration(Date.now() - Date.parse(r.created))} ago`, formatBytes(r.size)]);
      writeOut(table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], lines));
    }
    return 0;
  },
};

export const rmiCommand: Command = {
  meta: { name: "rmi", description: "Remove one or more images" },
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  failureCode: 1,
  options: { force: { type: "boolean", alias: "f", description: "Force removal of the image" }, ...help },
  run(args) {
    if (args.positionals.length === 0) throw usageError("burrow rmi needs at least one image");
    for (const text of args.positionals) {
      const { record, name } = lookup(text);
      const users = listContainers().filter((c) => c.imageId === record.id);
      if (users.length > 0 && !bool(args, "force")) {
        throw new BurrowError({
          step: `conflict: unable to remove image ${text}`,
          reason: `container ${users[0]!.id.slice(0, 12)} is using it (remove the container first, or use -f)`,
          exitCode: 1,
        });
      }
      const byId = name === undefined || !readIndex().names[name];
      const result = untagOrRemove(name ?? "", record.id, byId);
      for (const n of result.untagged) writeOut(`Untagged: ${n}\n`);
      if (result.deleted) writeOut(`Deleted: ${result.deleted}\n`);
    }
    // layers no image uses go at once: the store shrinks back
    pruneStore();
    return 0;
  },
};

export const tagCommand: Command = {
  meta: { name: "tag", description: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE" },
  usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  failureCode: 1,
  options: { ...help },
  run(args) {
    const [source, target] = args.positionals;
    if (!source || !target) throw usageError("burrow tag needs a source and a target");
    tagImage(lookup(source).record.id, canonical(parseReference(target)));
    return 0;
  },
};

export const imageInspectCommand: Command = {
  meta: { name: "inspect", description: "Display detailed information on one or more images" },
  usage: "IMAGE [IMAGE...]",
  failureCode: 1,
  options: { ...help },
  run(args) {
    const index = readIndex();
    const out = args.positionals.map((text) => {
      const { record } = lookup(text);
      const config = imageConfig(record);
      return {
        Id: record.id,
        RepoTags: Object.entries(index.names).filter(([, id]) => id === record.id).map(([n]) => n),
        Created: record.created,
        Architecture: config.architecture,
        Os: config.os,
        Size: record.size,
        Config: config.config ?? {},
        RootFS: { Type: "layers", Layers: record.layers },
        Manifest: record.manifest,
      };
    });
    writeOut(`${JSON.stringify(out, null, 4)}\n`);
    return 0;
  },
};

export const imagePruneCommand: Command = {
  meta: { name: "prune", description: "Remove unused layers and blobs, and what interrupted work left" },
  usage: "[OPTIONS]",
  failureCode: 1,
  options: { force: { type: "boolean", alias: "f", description: "Do not prompt (burrow never prompts)" }, all: { type: "boolean", alias: "a", description: "Accepted" }, ...help },
  run() {
    const { layers, blobs } = pruneStore();
    writeOut(`Deleted ${layers} layers and ${blobs} blobs\n`);
    return 0;
  },
};
