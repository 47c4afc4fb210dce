/**
 * Moving a process into a cgroup takes the kernel's global
 * cgroup_threadgroup_rwsem for writing; after a quiet spell that first
 * waits for an RCU grace period (rcu_sync switching the lock to its slow
 * mode): 4 to 16 ms measured on this project's VM, the largest single cost
 * of a container start. A move made while another one holds the slow mode,
 * or shortly after, does not wait (0.2 ms).
 *
 * cgroup v1 has no way to clone a child into its cgroup (v2 does, and
 * burrow uses it there: launch.ts). So on v1 a command that will move a
 * process (run, start, exec) first starts a
 * move that changes nothing, burrow itself into the cgroup it is already
 * in, on one of Bun's I/O threads. The grace period passes while burrow
 * loads the verb's modules, reads the image and builds the spec; the
 * container's own move then finds the lock ready. (The move holds
 * cgroup_mutex while it waits, so making the container's cgroup waits for
 * it too: the overlap is whatever burrow does before that.) Any failure is
 * ignored: the real move pays the wait as before.
 */
import { readFileSync, writeFile } from "node:fs";
import { detectCgroupVersion } from "./cgroup.ts";
import { v1MountPoints } from "./v1.ts";

/**
 * On cgroup v1 only: on v2 every container and exec is cloned straight into
 * its cgroup (launch.ts), and a warm-up would only make the cgroup's mkdir wait.
 */
export function warmUpCgroupAttach(): void {
  try {
    if (detectCgroupVersion() === 2) return;
    const file = ownProcsFile();
    // node's callback API runs on the I/O threads (Bun.write and fs.promises
    // were measured to block the caller for the whole wait)
    if (file) writeFile(file, String(process.pid), () => {});
  } catch {
    // no cgroup to reach: nothing to warm
  }
}

/** cgroup.procs of the cgroup this process is in, in the first v1 hierarchy found */
function ownProcsFile(): string | undefined {
  const lines = readFileSync("/proc/self/cgroup", "utf8").split("\n");
  for (const [controller, mount] of v1MountPoints()) {
    const line = lines.find((l) => l.split(":")[1]?.split(",").includes(controller));
    const own = line?.slice(line.indexOf(":", line.indexOf(":") + 1) + 1);
    if (own) return `${mount}${own === "/" ? "" : own}/cgroup.procs`;
  }
  return undefined;
}
