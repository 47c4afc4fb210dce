/**
 * `burrow pull REF`: manifest (through an index to the platform asked
 * for), config, then the layers, several at once, each verified by digest
 * and size before it is used, unpacked once and kept.
 */
import { existsSync, rmSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import { isTerminal } from "../linux/launcher.ts";
import { recordImage, storeLayer, verified } from "./archive.ts";
import { canonical, parseReference } from "./reference.ts";
import { MANIFEST_TYPES, RegistryClient, type RegistryOptions } from "./registry.ts";
import { blobPath, findImage, hexOf, layerDir, readIndex, sha256, type ImageConfig, type ImageRecord } from "./store.ts";
import { formatBytes } from "../spec/units.ts";
import { writeOut } from "../output.ts";

export interface PullOptions extends RegistryOptions {
  /** os/arch[/variant], default linux/amd64 */
  platform?: string;
  quiet?: boolean;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
}

const LAYER_TYPES = new Set([
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.docker.image.rootfs.diff.tar",
]);
const PARALLEL = 4;

function choosePlatform(index: { manifests: Descriptor[] }, wanted: string, ref: string): Descriptor {
  const [os, arch, variant] = wanted.split("/");
  const match = index.manifests.find(
    (m) => m.platform?.os === os && m.platform?.architecture === arch && (!variant || m.platform?.variant === variant),
  );
  if (!match) {
    const have = index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}${m.platform?.variant ? `/${m.platform.variant}` : ""}`).join(", ");
    throw new BurrowError({ step: "pull", object: ref, reason: `no image for platform ${wanted} (the index has ${have})` });
  }
  return match;
}

/**
 * On a terminal, one line per layer, rewritten in place as bytes arrive
 * (at most ten times a second); elsewhere pull prints one line per layer.
 */
class ProgressBoard {
  private lines: string[];
  private drawn = false;
  private last = 0;

  constructor(private readonly layers: Descriptor[]) {
    this.lines = layers.map(() => "waiting");
  }

  update(i: number, text: string): void {
    this.lines[i] = text;
    const now = performance.now();
    if (now - this.last < 100 && !text.startsWith("pull complete")) return;
    this.last = now;
    let out = this.drawn ? `\x1b[${this.lines.length}A` : "";
    this.layers.forEach((l, k) => {
      out += `\x1b[2K${hexOf(l.digest).slice(0, 12)}: ${this.lines[k]}\n`;
    });
    this.drawn = true;
    writeOut(out);
  }
}

export async function pull(text: string, opts: PullOptions = {}): Promise<ImageRecord> {
  const ref = parseReference(text);
  const client = new RegistryClient(ref, opts);
  // progress goes to stdout, as Docker's does: stderr is kept for the one line of an error
  const say = (line: string) => {
    if (!opts.quiet) writeOut(`${line}\n`);
  };
  let { bytes, mediaType } = await client.manifest(ref.digest ?? ref.tag!);
  if (ref.digest && sha256(bytes) !== ref.digest) {
    throw new BurrowError({ step: "pull", object: text, reason: `the registry's manifest is not ${ref.digest}` });
  }
  if (mediaType === MANIFEST_TYPES.ociIndex || mediaType === MANIFEST_TYPES.dockerList) {
    const chosen = choosePlatform(JSON.parse(new TextDecoder().decode(bytes)), opts.platform ?? "linux/amd64", text);
    ({ bytes, mediaType } = await client.manifest(chosen.digest));
    verified(bytes, chosen);
  }
  if (mediaType !== MANIFEST_TYPES.ociManifest && mediaType !== MANIFEST_TYPES.dockerManifest) {
    throw new BurrowError({ step: "pull", object: text, reason: `unsupported manifest media type "${mediaType}"` });
  }
  const manifest = JSON.parse(new TextDecoder().decode(bytes)) as { config: Descriptor; layers: Descriptor[] };
  const existing = findImage(readIndex(), undefined, manifest.config.digest);
  const configBytes = verified(await client.blob(manifest.config.digest), manifest.config);
  const config = JSON.parse(new TextDecoder().decode(configBytes)) as ImageConfig;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new BurrowError({ step: "pull", object: text, reason: `the manifest has ${manifest.layers.length} layers, the config ${diffIds.length}` });
  }
  for (const l of manifest.layers) {
    if (!LAYER_TYPES.has(l.mediaType)) throw new BurrowError({ step: "pull", object: l.digest, reason: `unsupported layer media type "${l.mediaType}"` });
  }
  say(`${ref.tag ?? ref.digest}: pulling from ${ref.registry}/${ref.repository}`);
  const board = isTerminal(1) && !opts.quiet ? new ProgressBoard(manifest.layers) : undefined;
  let size = 0;
  let next = 0;
  // what this pull added to the store, taken back if any layer fails
  const added: string[] = [];
  let stop = false;
  const worker = async () => {
    while (next < manifest.layers.length && !stop) {
      const i = next++;
      const layer = manifest.layers[i]!;
      const short = hexOf(layer.digest).slice(0, 12);
      let data: Uint8Array;
      try {
        data = verified(await client.blob(layer.digest, board && ((n) => board.update(i, `downloading ${formatBytes(n)} / ${formatBytes(layer.size)}`))), layer);
      } catch (err) {
        stop = true; // the other workers finish what they hold and take nothing new
        throw err;
      }
      for (const path of [layerDir(diffIds[i]!), blobPath(layer.digest)]) if (!existsSync(path)) added.push(path);
      board?.update(i, "extracting");
      size += storeLayer(data, layer, diffIds[i]!);
      if (board) board.update(i, "pull complete");
      else say(`${short}: pull complete`);
    }
  };
  // every worker has finished before anything is taken back
  const results = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL, manifest.layers.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    for (const path of added) rmSync(path, { recursive: true, force: true });
    throw failed.reason;
  }
  const names = ref.tag ? [canonical(ref)] : [];
  const record = recordImage(bytes, configBytes, config, size, names);
  say(`digest: ${sha256(bytes)}`);
  if (existing) say(`status: image is up to date for ${text}`);
  else say(`status: downloaded newer image for ${text}`);
  return record;
}
