/**
 * Which cgroup a container gets: /burrow/ID (or --cgroup-parent/ID) in the
 * host's hierarchy; for an unprivileged user, under the subtree systemd
 * delegated to it on cgroup v2, or none at all (limits refused, as podman).
 */
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";
import { usageError } from "../errors.ts";
import { detectCgroupVersion, unifiedCgroupOf, type Cgroup } from "../linux/cgroup/cgroup.ts";
import { CgroupV1 } from "../linux/cgroup/v1.ts";
import { CgroupV2 } from "../linux/cgroup/v2.ts";

export interface CgroupRecord {
  version: 1 | 2;
  path: string;
  /** v2 only: the hierarchy root the path is under */
  root?: string;
}

export function openCgroup(record: CgroupRecord): Cgroup {
  return record.version === 2 ? new CgroupV2(record.path, record.root) : new CgroupV1(record.path);
}

/** The subtree systemd delegated to this user (user@UID.service), if writable. */
export function delegatedSubtree(): string | undefined {
  const own = unifiedCgroupOf("self");
  if (!own) return undefined;
  const uid = process.getuid!();
  let best: string | undefined;
  let path = own;
  while (path && path !== "/") {
    const dir = join("/sys/fs/cgroup", path);
    try {
      if (statSync(dir).uid !== uid) break;
      accessSync(join(dir, "cgroup.subtree_control"), constants.W_OK);
      best = dir;
    } catch {
      break;
    }
    path = path.slice(0, path.lastIndexOf("/"));
  }
  return best;
}

/**
 * The record of the cgroup to make for a container, or undefined when it
 * runs without one (rootless without delegation). `wantsLimits` turns the
 * latter into an error that says what to delegate.
 */
export function planCgroup(cgroupsPath: string, wantsLimits: boolean): CgroupRecord | undefined {
  const version = detectCgroupVersion();
  const path = `/${cgroupsPath.replace(/^\/+|\/+$/g, "")}`;
  if (path.split("/").includes("..")) throw usageError(`invalid cgroup path "${cgroupsPath}"`, "--cgroup-parent");
  if (process.getuid!() === 0) return { version, path };
  const delegated = version === 2 ? delegatedSubtree() : undefined;
  if (delegated) return { version, path, root: delegated };
  if (wantsLimits) {
    throw usageError(
      version === 2
        ? "resource limits need a delegated cgroup: run burrow inside a systemd user session with Delegate=yes (user@UID.service), or as root"
        : "resource limits are not available to unprivileged users on cgroup v1: switch the host to cgroup v2 and delegate user@UID.service, or run as root",
    );
  }
  return undefined;
}
