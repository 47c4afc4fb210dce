/**
 * cgroup v1: one directory per controller hierarchy (memory, cpu, cpuset,
 * pids, blkio, freezer, ...), each found from /proc/self/mountinfo.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BurrowError, fromSystemError } from "../../errors.ts";
import type { Resources } from "../../spec/types.ts";
import { makeCgroupDirs, removeWithParents, type Cgroup, type CgroupStats } from "./cgroup.ts";
import { readCgroupFile, readKeyedFile, readNumber, writeCgroupFile } from "./files.ts";

/** the controllers a container joins; the rest it shares with burrow */
const CONTROLLERS = ["memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "freezer", "devices"] as const;
type Controller = (typeof CONTROLLERS)[number];

let mountPoints: Map<Controller, string> | undefined;

/** controller → where its hierarchy is mounted (co-mounted ones share a path) */
export function v1MountPoints(): Map<Controller, string> {
  if (mountPoints) return mountPoints;
  mountPoints = new Map();
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [mountPart, superPart] = line.split(" - ");
    if (!superPart?.startsWith("cgroup ")) continue;
    const mountPoint = mountPart!.split(" ")[4]!;
    const options = superPart.split(" ")[2]?.split(",") ?? [];
    for (const c of CONTROLLERS) if (options.includes(c) && !mountPoints.has(c)) mountPoints.set(c, mountPoint);
  }
  return mountPoints;
}

const V1_UNLIMITED = -1;

export class CgroupV1 implements Cgroup {
  readonly version = 1 as const;

  constructor(readonly path: string) {}

  /** this cgroup's directory in each controller's hierarchy */
  private dirs(): Map<Controller, string> {
    const out = new Map<Controller, string>();
    for (const [c, mount] of v1MountPoints()) out.set(c, join(mount, this.path));
    return out;
  }

  private dir(c: Controller): string {
    const mount = v1MountPoints().get(c);
    if (!mount) throw new BurrowError({ step: `cgroup ${c}`, reason: "the controller is not mounted on this host", hint: `mount -t cgroup -o ${c}` });
    return join(mount, this.path);
  }

  exists(): boolean {
    return [...this.dirs().values()].some((d) => existsSync(d));
  }

  create(resources: Resources | undefined): void {
    for (const [c, mount] of v1MountPoints()) {
      try {
        makeCgroupDirs(mount, this.path);
        if (c === "cpuset") this.fillCpusets(mount);
      } catch (err) {
        throw fromSystemError(err, `create cgroup ${c}`, join(mount, this.path));
      }
    }
    if (resources) this.update(resources);
  }

  /**
   * A new cpuset is empty and takes no process until it has CPUs and memory
   * nodes. Every level is checked, not only the ones this burrow made: a
   * concurrent or killed burrow may have made a parent and not filled it yet.
   */
  private fillCpusets(mount: string): void {
    let parent = mount;
    for (const part of this.path.split("/").filter(Boolean)) {
      const dir = join(parent, part);
      for (const f of ["cpuset.cpus", "cpuset.mems"]) {
        if (!readCgroupFile(dir, f)) writeCgroupFile(dir, f, readCgroupFile(parent, f) ?? "");
      }
      parent = dir;
    }
  }

  update(r: Resources): void {
    const m = r.memory;
    if (m) {
      const dir = this.dir("memory");
      // memsw must stay >= limit: raise memsw first when growing, limit first when shrinking
      const hasMemsw = existsSync(join(dir, "memory.memsw.limit_in_bytes"));
      if (m.swap !== undefined && !hasMemsw) {
        throw new BurrowError({ step: "cgroup memory.memsw.limit_in_bytes", object: dir, reason: "swap accounting is off on this host", hint: "boot with swapaccount=1" });
      }
      if (m.limit !== undefined) {
        const current = readNumber(dir, "memory.limit_in_bytes") ?? 0;
        const swap = m.swap === undefined ? undefined : m.swap;
        if (swap !== undefined && (swap === V1_UNLIMITED || swap > current)) {
          writeCgroupFile(dir, "memory.memsw.limit_in_bytes", swap);
          writeCgroupFile(dir, "memory.limit_in_bytes", m.limit);
        } else {
          writeCgroupFile(dir, "memory.limit_in_bytes", m.limit);
          if (swap !== undefined) writeCgroupFile(dir, "memory.memsw.limit_in_bytes", swap);
          // without --memory-swap Docker gives as much swap as memory
          else if (hasMemsw) writeCgroupFile(dir, "memory.memsw.limit_in_bytes", m.limit * 2);
        }
      }
      if (m.reservation !== undefined) writeCgroupFile(dir, "memory.soft_limit_in_bytes", m.reservation);
      if (m.swappiness !== undefined) writeCgroupFile(dir, "memory.swappiness", m.swappiness);
      if (m.disableOOMKiller) writeCgroupFile(dir, "memory.oom_control", 1);
    }
    const c = r.cpu;
    if (c) {
      if (c.shares !== undefined) writeCgroupFile(this.dir("cpu"), "cpu.shares", c.shares);
      if (c.period !== undefined) writeCgroupFile(this.dir("cpu"), "cpu.cfs_period_us", c.period);
      if (c.quota !== undefined) writeCgroupFile(this.dir("cpu"), "cpu.cfs_quota_us", c.quota <= 0 ? -1 : c.quota);
      if (c.cpus !== undefined) writeCgroupFile(this.dir("cpuset"), "cpuset.cpus", c.cpus);
      if (c.mems !== undefined) writeCgroupFile(this.dir("cpuset"), "cpuset.mems", c.mems);
    }
    if (r.pids) writeCgroupFile(this.dir("pids"), "pids.max", r.pids.limit < 0 ? "max" : r.pids.limit);
    const io = r.blockIO;
    if (io) {
      const dir = this.dir("blkio");
      if (io.weight !== undefined) {
        const file = existsSync(join(dir, "blkio.weight")) ? "blkio.weight" : "blkio.bfq.weight";
        writeCgroupFile(dir, file, io.weight);
      }
      for (const d of io.throttleReadBpsDevice ?? []) writeCgroupFile(dir, "blkio.throttle.read_bps_device", `${d.major}:${d.minor} ${d.rate}`);
      for (const d of io.throttleWriteBpsDevice ?? []) writeCgroupFile(dir, "blkio.throttle.write_bps_device", `${d.major}:${d.minor} ${d.rate}`);
    }
  }

  addProcess(pid: number): void {
    for (const dir of new Set(this.dirs().values())) writeCgroupFile(dir, "cgroup.procs", pid);
  }

  oomKilled(): boolean {
    const dir = v1MountPoints().get("memory");
    if (!dir) return false;
    const control = readKeyedFile(join(dir, this.path), "memory.oom_control");
    // oom_kill is counted since Linux 4.13; before, failcnt with under_oom is the hint
    return (control.get("oom_kill") ?? 0) > 0;
  }

  memoryLimit(): number | undefined {
    const mount = v1MountPoints().get("memory");
    if (!mount) return undefined;
    const limit = readNumber(join(mount, this.path), "memory.limit_in_bytes");
    // "unlimited" is the page-rounded max of a signed 64-bit number
    return limit !== undefined && limit < 2 ** 62 ? limit : undefined;
  }

  stats(): CgroupStats {
    const at = (c: Controller) => {
      const mount = v1MountPoints().get(c);
      return mount ? join(mount, this.path) : "/nonexistent";
    };
    let blockRead = 0;
    let blockWrite = 0;
    for (const line of (readCgroupFile(at("blkio"), "blkio.throttle.io_service_bytes") ?? "").split("\n")) {
      const [, op, value] = line.split(" ");
      if (op === "Read") blockRead += Number(value);
      if (op === "Write") blockWrite += Number(value);
    }
    const pidsMax = readCgroupFile(at("pids"), "pids.max");
    return {
      cpuUsageNs: readNumber(at("cpuacct"), "cpuacct.usage"),
      memoryUsage: readNumber(at("memory"), "memory.usage_in_bytes"),
      memoryLimit: this.memoryLimit(),
      pids: readNumber(at("pids"), "pids.current"),
      pidsLimit: pidsMax && pidsMax !== "max" ? Number(pidsMax) : undefined,
      blockRead,
      blockWrite,
    };
  }

  /** freeze, kill everything, thaw: nothing can fork away in between */
  killAll(): void {
    const freezer = v1MountPoints().has("freezer") ? this.dir("freezer") : undefined;
    if (freezer && existsSync(freezer)) writeCgroupFile(freezer, "freezer.state", "FROZEN");
    for (const dir of new Set(this.dirs().values())) {
      for (const pid of (readCgroupFile(dir, "cgroup.procs") ?? "").split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone
        }
      }
    }
    if (freezer && existsSync(freezer)) writeCgroupFile(freezer, "freezer.state", "THAWED");
  }

  destroy(): void {
    if (!this.exists()) return;
    const populated = [...this.dirs().values()].some((d) => (readCgroupFile(d, "cgroup.procs") ?? "") !== "");
    if (populated) this.killAll();
    for (const [c, dir] of this.dirs()) if (existsSync(dir)) removeWithParents(dir, v1MountPoints().get(c)!);
  }
}
