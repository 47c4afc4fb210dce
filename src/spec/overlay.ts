/**
 * A container of an image has an overlayfs root: the image's layers (read
 * only, shared) under its own upper dir. The spec carries the directories
 * in annotations; the child mounts the overlay in its own mount namespace,
 * so nothing is ever mounted on the host and nothing is left to unmount.
 */
import type { Spec } from "./types.ts";

const LOWER = "org.burrow.overlay.lowerdir";
const UPPER = "org.burrow.overlay.upperdir";
const WORK = "org.burrow.overlay.workdir";

export function overlayAnnotations(lower: string[], upper: string, work: string): Record<string, string> {
  return { [LOWER]: lower.join(":"), [UPPER]: upper, [WORK]: work };
}

/** overlayfs mount data for the spec's root, if it is an image's */
export function overlayMountData(spec: Spec): string | undefined {
  const a = spec.annotations ?? {};
  if (!a[LOWER] || !a[UPPER] || !a[WORK]) return undefined;
  return `lowerdir=${a[LOWER]},upperdir=${a[UPPER]},workdir=${a[WORK]}`;
}
