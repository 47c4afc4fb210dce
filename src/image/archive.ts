/**
 * `burrow save` and `burrow load`: image archives in the OCI image-layout
 * format (oci-layout, index.json, blobs/sha256/...) with Docker's
 * manifest.json beside it, so that both `docker load` and OCI tools read
 * what burrow saves, and burrow loads what `docker save` and OCI tools write.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { runInUserNamespace } from "../runtime/userns-helper.ts";
import { BurrowError, fromSystemError } from "../errors.ts";
import { decompress, MEDIA } from "./import.ts";
import { canonical, familiarName, parseReference } from "./reference.ts";
import { addImage, ensureLayer, hexOf, putBlob, readBlob, sha256, type ImageConfig, type ImageRecord } from "./store.ts";
import { readTar } from "./tar.ts";
import { TarWriter } from "./tar-writer.ts";
import { unpackLayer } from "./unpack.ts";

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

const decoder = new TextDecoder();
const json = <T>(data: Uint8Array): T => JSON.parse(decoder.decode(data)) as T;
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** Store an image whose blobs are at hand: verify, unpack each layer once, record. */
export function storeImage(manifestBytes: Uint8Array, blob: (digest: string) => Uint8Array, names: string[]): ImageRecord {
  const manifest = json<Manifest>(manifestBytes);
  const configBytes = verified(blob(manifest.config.digest), manifest.config);
  const config = json<ImageConfig>(configBytes);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new BurrowError({ step: "store image", reason: `the manifest has ${manifest.layers.length} layers, the config ${diffIds.length}` });
  }
  let size = 0;
  manifest.layers.forEach((layer, i) => {
    size += storeLayer(verified(blob(layer.digest), layer), layer, diffIds[i]!);
  });
  return recordImage(manifestBytes, configBytes, config, size, names);
}

/**
 * A verified layer blob: decompressed, checked against the config's diff_id,
 * unpacked once, kept. Returns its uncompressed size.
 */
export function storeLayer(data: Uint8Array, layer: { digest: string; mediaType?: string }, diffId: string): number {
  const tar = decompress(data);
  const got = sha256(tar);
  if (got !== diffId) {
    throw new BurrowError({ step: "store image", object: layer.digest, reason: `the layer's content is ${got}, the config says ${diffId}` });
  }
  ensureLayer(diffId, (dir) => unpackAsOwner(tar, dir));
  putBlob(data);
  return tar.length;
}

/**
 * root unpacks here; a rootless burrow unpacks as root of its own user
 * namespace, so the files belong to its subordinate ids as the container
 * will see them.
 */
function unpackAsOwner(tar: Uint8Array, dir: string): void {
  if (process.getuid!() === 0) {
    unpackLayer(tar, dir);
    return;
  }
  const file = `${dir}.tar`;
  writeFileSync(file, tar);
  try {
    runInUserNamespace(["unpack-layer", file, dir], "unpack layer");
  } finally {
    rmSync(file, { force: true });
  }
}

/** The last step of storing an image: its config, its manifest, its names. */
export function recordImage(manifestBytes: Uint8Array, configBytes: Uint8Array, config: ImageConfig, size: number, names: string[]): ImageRecord {
  const configDigest = putBlob(configBytes);
  const manifestDigest = putBlob(manifestBytes);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const record: ImageRecord = { id: configDigest, manifest: manifestDigest, layers: diffIds, size, created: config.created ?? new Date().toISOString() };
  addImage(record, names);
  return record;
}

/** A blob must be what its descriptor says: digest and size. */
export function verified(data: Uint8Array, d: { digest: string; size: number }): Uint8Array {
  if (data.length !== d.size) throw new BurrowError({ step: "verify blob", object: d.digest, reason: `size ${data.length}, expected ${d.size}` });
  const got = sha256(data);
  if (got !== d.digest) throw new BurrowError({ step: "verify blob", object: d.digest, reason: `digest mismatch: the content is ${got}` });
  return data;
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

export function loadArchive(path: string): ImageRecord[] {
  let raw: Uint8Array;
  try {
    raw = path === "-" ? readFileSync(0) : readFileSync(path);
  } catch (err) {
    throw fromSystemError(err, "load", path);
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of readTar(decompress(raw))) if (entry.type === "file") files.set(entry.path.replace(/^\.\//, ""), entry.data);
  const file = (name: string) => {
    const data = files.get(name);
    if (!data) throw new BurrowError({ step: "load", object: path, reason: `the archive has no ${name}` });
    return data;
  };
  const byDigest = (digest: string) => file(`blobs/sha256/${hexOf(digest)}`);
  const loaded: ImageRecord[] = [];

  if (files.has("index.json")) {
    const index = json<{ manifests: Descriptor[] }>(file("index.json"));
    for (const d of index.manifests) {
      const ref = d.annotations?.["io.containerd.image.name"] ?? d.annotations?.["org.opencontainers.image.ref.name"];
      // a ref.name of a tag alone ("v1", as skopeo writes oci-archive:FILE:v1)
      // names no repository: the image is loaded by its id, as an unnamed one
      const names = ref && (ref.includes(":") || ref.includes("/")) ? [canonical(parseReference(ref))] : [];
      loaded.push(storeImage(verified(byDigest(d.digest), d), byDigest, names));
    }
    return loaded;
  }
  // `docker save` before OCI layouts: manifest.json names files, not digests
  for (const entry of json<DockerManifestEntry[]>(file("manifest.json"))) {
    const configBytes = file(entry.Config);
    const layers = entry.Layers.map((name) => {
      const data = file(name);
      return { mediaType: MEDIA.layerTar, digest: putBlob(data), size: data.length };
    });
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: { mediaType: MEDIA.config, digest: sha256(configBytes), size: configBytes.length },
      layers,
    };
    const blobs = new Map<string, Uint8Array>([[manifest.config.digest, configBytes]]);
    entry.Layers.forEach((name, i) => blobs.set(layers[i]!.digest, file(name)));
    const names = (entry.RepoTags ?? []).map((t) => canonical(parseReference(t)));
    loaded.push(storeImage(bytes(manifest), (d) => blobs.get(d)!, names));
  }
  return loaded;
}

export function saveArchive(images: Array<{ record: ImageRecord; names: string[] }>, out: string): void {
  const tar = new TarWriter();
  const written = new Set<string>();
  const blob = (digest: string) => {
    if (written.has(digest)) return;
    written.add(digest);
    tar.file(`blobs/sha256/${hexOf(digest)}`, readBlob(digest));
  };
  tar.dir("blobs");
  tar.dir("blobs/sha256");
  const index: { schemaVersion: 2; manifests: Descriptor[] } = { schemaVersion: 2, manifests: [] };
  const dockerManifest: DockerManifestEntry[] = [];
  for (const { record, names } of images) {
    const manifestBytes = readBlob(record.manifest);
    const manifest = json<Manifest>(manifestBytes);
    blob(record.manifest);
    blob(manifest.config.digest);
    for (const l of manifest.layers) blob(l.digest);
    const tags = names.map((n) => {
      const ref = parseReference(n);
      return `${familiarName(ref)}:${ref.tag ?? "latest"}`;
    });
    for (const name of names.length ? names : [undefined]) {
      index.manifests.push({
        mediaType: MEDIA.manifest,
        digest: record.manifest,
        size: manifestBytes.length,
        ...(name ? { annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": parseReference(name).tag ?? "latest" } } : {}),
      });
    }
    dockerManifest.push({ Config: `blobs/sha256/${hexOf(manifest.config.digest)}`, RepoTags: tags, Layers: manifest.layers.map((l) => `blobs/sha256/${hexOf(l.digest)}`) });
  }
  tar.file("oci-layout", bytes({ imageLayoutVersion: "1.0.0" }));
  tar.file("index.json", bytes(index));
  tar.file("manifest.json", bytes(dockerManifest));
  try {
    writeFileSync(out, tar.finish());
  } catch (err) {
    throw fromSystemError(err, "save", out);
  }
}
