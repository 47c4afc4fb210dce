/**
 * `burrow import TARBALL NAME[:TAG]`: a root filesystem tarball (plain,
 * gzip or zstd) becomes a one-layer image.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fromSystemError } from "../errors.ts";
import { canonical, parseReference } from "./reference.ts";
import { storeLayer } from "./archive.ts";
import { addImage, putBlob, sha256, type ImageConfig } from "./store.ts";
import { DEFAULT_PATH } from "../spec/defaults.ts";

export const MEDIA = {
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerTar: "application/vnd.oci.image.layer.v1.tar",
} as const;

/** gzip and zstd by their magic numbers; anything else is taken as a plain tar */
export function decompress(data: Uint8Array): Uint8Array {
  if (data[0] === 0x1f && data[1] === 0x8b) return gunzipSync(data);
  if (data[0] === 0x28 && data[1] === 0xb5 && data[2] === 0x2f && data[3] === 0xfd) return Bun.zstdDecompressSync(data);
  return data;
}

export interface ImportResult {
  id: string;
  name?: string;
}

export function importTarball(source: string, name: string | undefined, changes: { cmd?: string[] } = {}): ImportResult {
  let raw: Uint8Array;
  try {
    raw = source === "-" ? readFileSync(0) : readFileSync(source);
  } catch (err) {
    throw fromSystemError(err, "import", source);
  }
  const ref = name ? parseReference(name) : undefined;
  const tar = decompress(raw);
  const diffId = sha256(tar);
  storeLayer(tar, { digest: diffId }, diffId);
  const layerDigest = diffId;
  const config: ImageConfig = {
    architecture: "amd64",
    os: "linux",
    created: new Date().toISOString(),
    config: { Env: [`PATH=${DEFAULT_PATH}`], ...(changes.cmd ? { Cmd: changes.cmd } : {}) },
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created: new Date().toISOString(), created_by: `burrow import ${source}` }],
  };
  const configBytes = new TextEncoder().encode(JSON.stringify(config));
  const configDigest = putBlob(configBytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, digest: configDigest, size: configBytes.length },
    layers: [{ mediaType: MEDIA.layerTar, digest: layerDigest, size: tar.length }],
  };
  const manifestDigest = putBlob(new TextEncoder().encode(JSON.stringify(manifest)));
  const names = ref ? [canonical(ref)] : [];
  addImage({ id: configDigest, manifest: manifestDigest, layers: [diffId], size: tar.length, created: config.created! }, names);
  return { id: configDigest, name: names[0] };
}
