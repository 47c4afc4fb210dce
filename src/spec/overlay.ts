/**
 * A container of an image has an overlayfs root: the image's layers (read
 * only, shared) under its own upper dir. The spec carries the directories
 * in annotations; the child mounts the overlay in its own mount namespace,
 * so nothing is ever mounted on the host and nothing is left to unmount.
 *
 * Which overlay: the kernel's, or fuse-overlayfs where the kernel refuses
 * overlayfs in a user namespace (before Linux 5.11), as podman does. The
 * choice is made once, when the container is made, and kept in the spec.
 */
import { readFileSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import type { Spec } from "./types.ts";

const LOWER = "org.burrow.overlay.lowerdir";
const UPPER = "org.burrow.overlay.upperdir";
const WORK = "org.burrow.overlay.workdir";
const DRIVER = "org.burrow.overlay.driver";
const VOLATILE = "org.burrow.overlay.volatile";

export type OverlayDriver = "kernel" | "fuse";

export function overlayAnnotations(dirs: OverlayDirs): Record<string, string> {
  return {
    [LOWER]: dirs.lower,
    [UPPER]: dirs.upper,
    [WORK]: dirs.work,
    ...(dirs.driver === "fuse" ? { [DRIVER]: "fuse" } : {}),
    ...(dirs.volatile ? { [VOLATILE]: "true" } : {}),
  };
}

export interface OverlayDirs {
  lower: string;
  upper: string;
  work: string;
  driver: OverlayDriver;
  /**
   * no syncs (overlayfs "volatile", Linux 5.10): unmounting an overlay
   * otherwise syncs the whole host filesystem under the upper dir, which
   * stalls a container's exit behind any dirty data on the host (1 s
   * measured right after a pull). Only for --rm containers, whose upper
   * dir is thrown away, as podman does.
   */
  volatile: boolean;
}

/** The overlay of the spec's root, if it is an image's. */
export function overlayOf(spec: Spec): OverlayDirs | undefined {
  const a = spec.annotations ?? {};
  if (!a[LOWER] || !a[UPPER] || !a[WORK]) return undefined;
  return { lower: a[LOWER], upper: a[UPPER], work: a[WORK], driver: a[DRIVER] === "fuse" ? "fuse" : "kernel", volatile: a[VOLATILE] === "true" };
}

/** overlayfs mount data (kernel driver) */
export function overlayMountData(dirs: OverlayDirs): string {
  return `lowerdir=${dirs.lower},upperdir=${dirs.upper},workdir=${dirs.work}${dirs.volatile ? ",volatile" : ""}`;
}

/** overlayfs takes "volatile" since Linux 5.10 */
export function canMountVolatile(kernel: [number, number] = kernelVersion()): boolean {
  return kernel[0] > 5 || (kernel[0] === 5 && kernel[1] >= 10);
}

/** Linux 5.11 lets overlayfs be mounted in a user namespace (with userxattr). */
const KERNEL_USERNS_OVERLAY: [number, number] = [5, 11];

/**
 * The overlay for a new container: the kernel's, except in a user
 * namespace on a kernel older than 5.11. BURROW_OVERLAY=kernel|fuse
 * overrides the choice.
 */
export function chooseOverlayDriver(userns: boolean, kernel: [number, number] = kernelVersion()): OverlayDriver {
  const wanted = process.env.BURROW_OVERLAY;
  if (wanted === "kernel" || wanted === "fuse") return wanted;
  if (wanted) {
    throw new BurrowError({ step: "overlay driver", object: `BURROW_OVERLAY=${wanted}`, reason: "use kernel or fuse" });
  }
  if (!userns) return "kernel";
  const [major, minor] = kernel;
  const [needMajor, needMinor] = KERNEL_USERNS_OVERLAY;
  return major > needMajor || (major === needMajor && minor >= needMinor) ? "kernel" : "fuse";
}

function kernelVersion(): [number, number] {
  try {
    const m = /^(\d+)\.(\d+)/.exec(readFileSync("/proc/sys/kernel/osrelease", "utf8"));
    if (m) return [Number(m[1]), Number(m[2])];
  } catch {
    // no /proc: assume a current kernel
  }
  return [99, 0];
}
