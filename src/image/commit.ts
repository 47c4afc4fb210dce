/**
 * `burrow commit` and `burrow export`: a container's filesystem as a new
 * image (its upper dir becomes one more layer over the image's), or as one
 * tarball of everything it sees.
 */
import { BurrowError } from "../errors.ts";
import { loadSpec } from "../runtime/container-files.ts";
import type { ContainerState } from "../runtime/state.ts";
import type { Spec } from "../spec/types.ts";
import { recordImage, storeLayer } from "./archive.ts";
import { MEDIA } from "./import.ts";
import { packMerged, packUpperDir } from "./pack.ts";
import { canonical, parseReference } from "./reference.ts";
import { readBlob, readIndex, sha256, type ImageConfig, type ImageRecord } from "./store.ts";

interface Layers {
  upper?: string;
  /** top first */
  lower: string[];
}

function layersOf(spec: Spec): Layers {
  const a = spec.annotations ?? {};
  const lower = a["org.burrow.overlay.lowerdir"];
  if (lower && a["org.burrow.overlay.upperdir"]) return { upper: a["org.burrow.overlay.upperdir"], lower: lower.split(":") };
  if (spec.root.path === "/") throw new BurrowError({ step: "commit", reason: "a container of the host's root (--rootfs /) has no filesystem of its own", exitCode: 1 });
  return { lower: [spec.root.path] };
}

const decode = <T>(data: Uint8Array) => JSON.parse(new TextDecoder().decode(data)) as T;

export function commitContainer(state: ContainerState, name: string | undefined): ImageRecord {
  const spec = loadSpec(state.id);
  const layers = layersOf(spec);
  const base = state.imageId ? readIndex().images[state.imageId] : undefined;
  const baseConfig: ImageConfig = base ? decode<ImageConfig>(readBlob(base.id)) : { rootfs: { type: "layers", diff_ids: [] }, config: {} };
  const baseManifest = base ? decode<{ layers: Array<{ mediaType: string; digest: string; size: number }> }>(readBlob(base.manifest)) : { layers: [] };
  // an image container adds its upper dir; a --rootfs container becomes one layer
  const tar = layers.upper ? packUpperDir(layers.upper) : packMerged(layers.lower);
  const diffId = sha256(tar);
  const created = new Date().toISOString();
  const config: ImageConfig = {
    ...baseConfig,
    architecture: baseConfig.architecture ?? "amd64",
    os: baseConfig.os ?? "linux",
    created,
    config: { ...baseConfig.config, Env: spec.process.env, Cmd: state.command.length ? state.command : baseConfig.config?.Cmd, WorkingDir: spec.process.cwd },
    rootfs: { type: "layers", diff_ids: [...(baseConfig.rootfs?.diff_ids ?? []), diffId] },
    history: [...(baseConfig.history ?? []), { created, created_by: `burrow commit ${state.name}` }],
  };
  const size = storeLayer(tar, { digest: diffId }, diffId);
  const configBytes = new TextEncoder().encode(JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, digest: sha256(configBytes), size: configBytes.length },
    layers: [...baseManifest.layers, { mediaType: MEDIA.layerTar, digest: diffId, size: tar.length }],
  };
  const names = name ? [canonical(parseReference(name))] : [];
  return recordImage(new TextEncoder().encode(JSON.stringify(manifest)), configBytes, config, (base?.size ?? 0) + size, names);
}

export function exportContainer(state: ContainerState): Uint8Array {
  const layers = layersOf(loadSpec(state.id));
  return packMerged(layers.upper ? [layers.upper, ...layers.lower] : layers.lower);
}
