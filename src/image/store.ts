/**
 * The local image store, under burrow's data root:
 *   blobs/sha256/HEX       content by digest (manifests, configs, layer archives)
 *   layers/HEX/            each layer unpacked once (HEX: its diff_id), shared by images
 *   images.json            image records and the name:tag index
 * Every write is a temp file or dir renamed into place; images.json changes
 * under a lock, so two burrows storing the same image both succeed and one
 * copy is kept.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BurrowError } from "../errors.ts";
import { withFileLock } from "../runtime/lock.ts";
import { roots } from "../runtime/paths.ts";
import { processStartTime, writeAtomic } from "../runtime/state.ts";
import { runInUserNamespace } from "../runtime/userns-helper.ts";

export interface ImageConfig {
  architecture?: string;
  os?: string;
  created?: string;
  config?: {
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    User?: string;
    StopSignal?: string;
  };
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: unknown[];
}

export interface ImageRecord {
  /** the config's digest: Docker's image id */
  id: string;
  manifest: string;
  /** diff_ids, bottom layer first */
  layers: string[];
  size: number;
  created: string;
}

interface Index {
  images: Record<string, ImageRecord>;
  /** canonical name:tag → image id */
  names: Record<string, string>;
}

export function dataDir(...parts: string[]): string {
  return join(roots().data, ...parts);
}

export const hexOf = (digest: string) => digest.replace(/^sha256:/, "");

export function sha256(data: Uint8Array): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(data).digest("hex")}`;
}

export function blobPath(digest: string): string {
  return dataDir("blobs", "sha256", hexOf(digest));
}

export function putBlob(data: Uint8Array): string {
  const digest = sha256(data);
  const path = blobPath(digest);
  if (!existsSync(path)) {
    mkdirSync(dataDir("blobs", "sha256"), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  }
  return digest;
}

export function readBlob(digest: string): Uint8Array {
  return readFileSync(blobPath(digest));
}

export function layerDir(diffId: string): string {
  return dataDir("layers", hexOf(diffId));
}

/**
 * Make the layer's directory with `fill`, unless it exists: filled in a
 * temp dir and renamed, so a half-unpacked layer is never used (and `image
 * prune` removes the temp dirs a killed burrow left).
 */
export function ensureLayer(diffId: string, fill: (dir: string) => void): string {
  const dir = layerDir(diffId);
  if (existsSync(dir)) return dir;
  mkdirSync(dataDir("layers"), { recursive: true });
  const tmp = mkdtempSync(dataDir("layers", `.tmp-${process.pid}-`));
  try {
    fill(tmp);
    renameSync(tmp, dir);
  } catch (err) {
    removeTree(tmp);
    if (existsSync(dir)) return dir; // another burrow won the race: same content
    throw err;
  }
  return dir;
}

/** rm -rf of store content, which rootless may hold under subordinate ids */
export function removeTree(...paths: string[]): void {
  if (paths.length === 0) return;
  if (process.getuid!() !== 0) {
    runInUserNamespace(["remove-tree", ...paths], "remove");
    return;
  }
  for (const p of paths) rmSync(p, { recursive: true, force: true });
}

function withIndex<T>(change: (index: Index) => T, write: boolean): T {
  mkdirSync(roots().data, { recursive: true });
  return withFileLock(dataDir("images.lock"), () => {
    let index: Index = { images: {}, names: {} };
    try {
      index = JSON.parse(readFileSync(dataDir("images.json"), "utf8")) as Index;
    } catch {
      // no images yet
    }
    const result = change(index);
    if (write) writeAtomic(dataDir("images.json"), JSON.stringify(index, null, 2));
    return result;
  });
}

export function readIndex(): Index {
  return withIndex((i) => i, false);
}

export function addImage(record: ImageRecord, names: string[]): void {
  withIndex((index) => {
    index.images[record.id] = record;
    for (const name of names) index.names[name] = record.id;
  }, true);
}

export function tagImage(id: string, name: string): void {
  withIndex((index) => {
    if (!index.images[id]) throw new BurrowError({ step: "No such image:", object: id, exitCode: 1 });
    index.names[name] = id;
  }, true);
}

/** Remove a name; the image too when no name is left or `byId`. Returns what went. */
export function untagOrRemove(ref: string, id: string, byId: boolean): { untagged: string[]; deleted?: string } {
  return withIndex((index) => {
    const names = Object.entries(index.names).filter(([, v]) => v === id).map(([k]) => k);
    const untagged = byId ? names : names.filter((n) => n === ref);
    for (const n of untagged) delete index.names[n];
    const stillNamed = Object.values(index.names).includes(id);
    if (!stillNamed) {
      delete index.images[id];
      return { untagged, deleted: id };
    }
    return { untagged };
  }, true);
}

/** Find an image by name (canonical), id or id prefix. */
export function findImage(index: Index, canonicalName: string | undefined, text: string): ImageRecord | undefined {
  if (canonicalName && index.names[canonicalName]) return index.images[index.names[canonicalName]!];
  const hex = text.replace(/^sha256:/, "");
  if (/^[a-f0-9]{6,64}$/.test(hex)) {
    const matches = Object.keys(index.images).filter((id) => hexOf(id).startsWith(hex));
    if (matches.length === 1) return index.images[matches[0]!];
  }
  return undefined;
}

export function imageConfig(record: ImageRecord): ImageConfig {
  return JSON.parse(new TextDecoder().decode(readBlob(record.id))) as ImageConfig;
}

/** Layers and blobs no image uses any more, and temp dirs of interrupted work: gone. */
export function pruneStore(): { layers: number; blobs: number } {
  return withIndex((index) => {
    const usedLayers = new Set(Object.values(index.images).flatMap((i) => i.layers.map(hexOf)));
    const usedBlobs = new Set<string>();
    for (const image of Object.values(index.images)) {
      usedBlobs.add(hexOf(image.id));
      usedBlobs.add(hexOf(image.manifest));
      try {
        const manifest = JSON.parse(new TextDecoder().decode(readBlob(image.manifest))) as { layers: { digest: string }[] };
        for (const l of manifest.layers) usedBlobs.add(hexOf(l.digest));
      } catch {
        // a manifest that cannot be read keeps nothing alive
      }
    }
    let layers = 0;
    let blobs = 0;
    // a temp dir of a pull still under way is its puller's; one of a dead puller is litter
    const inProgress = (name: string) => {
      const pid = /^\.tmp-(\d+)-/.exec(name)?.[1];
      return pid !== undefined && processStartTime(Number(pid)) !== undefined;
    };
    const unused = safeList(dataDir("layers")).filter((name) => !usedLayers.has(name) && !inProgress(name));
    removeTree(...unused.map((name) => dataDir("layers", name)));
    layers += unused.length;
    for (const name of safeList(dataDir("blobs", "sha256"))) {
      if (usedBlobs.has(name)) continue;
      rmSync(dataDir("blobs", "sha256", name), { force: true });
      blobs++;
    }
    return { layers, blobs };
  }, false);
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
