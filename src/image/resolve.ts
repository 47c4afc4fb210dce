/**
 * From a reference on the command line to what a container needs of an
 * image: its config and its layer directories, top first (overlayfs's
 * lowerdir order).
 */
import { lstatSync, readFileSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import { resolveInRoot } from "../linux/resolve-in-root.ts";
import { canonical, familiarName, parseReference } from "./reference.ts";
import { findImage, imageConfig, layerDir, readIndex, type ImageConfig, type ImageRecord } from "./store.ts";

export interface ResolvedImage {
  record: ImageRecord;
  config: ImageConfig;
  /** what ps shows */
  name: string;
  /** top layer first */
  layerDirs: string[];
}

export interface FoundImage {
  record: ImageRecord;
  /** the canonical name the text stands for, when it is a name */
  name?: string;
  /** what people read: debian:12 */
  display: string;
}

/** An image by name (debian, debian:12, host/ns/img:tag) or by id or id prefix. */
export function lookupImage(text: string): FoundImage | undefined {
  let name: string | undefined;
  let display = text;
  try {
    const ref = parseReference(text);
    name = canonical(ref);
    display = `${familiarName(ref)}${ref.tag ? `:${ref.tag}` : ""}`;
  } catch (err) {
    if (!/^(sha256:)?[a-f0-9]{6,64}$/.test(text)) throw err;
  }
  const record = findImage(readIndex(), name, text);
  return record ? { record, name, display } : undefined;
}

export function resolveImage(text: string): ResolvedImage {
  const found = lookupImage(text);
  if (!found) {
    const display = (() => {
      try {
        const ref = parseReference(text);
        return `${familiarName(ref)}${ref.tag ? `:${ref.tag}` : ""}`;
      } catch {
        return text;
      }
    })();
    throw new BurrowError({ step: `Unable to find image '${display}' locally`, hint: "burrow import or burrow load it first" });
  }
  const { record, display } = found;
  return { record, config: imageConfig(record), name: display, layerDirs: record.layers.map(layerDir).reverse() };
}

/** Read a file of the image as the merged view would show it (top layer wins). */
export function readFromLayers(layerDirs: string[], path: string): string | undefined {
  for (const dir of layerDirs) {
    const host = resolveInRoot(dir, path);
    try {
      const st = lstatSync(host);
      if (st.isCharacterDevice() && st.rdev === 0) return undefined; // a whiteout: deleted above
      return readFileSync(host, "utf8");
    } catch {
      // not in this layer
    }
  }
  return undefined;
}


