/**
 * cgroup v2: one directory in the unified hierarchy, limits in
 * memory.max, cpu.max, cpu.weight, pids.max, io.max, ...
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BurrowError, fromSystemError } from "../../errors.ts";
import type { Resources } from "../../spec/types.ts";
import { makeCgroupDirs, removeWithParents, type Cgroup, type CgroupStats } from "./cgroup.ts";
import { blkioWeightToIoWeight, sharesToWeight } from "./cpu-weight.ts";
import { readCgroupFile, readKeyedFile, readNumber, writeCgroupFile } from "./files.ts";

const WANTED = ["cpu", "cpuset", "io", "memory", "pids"];

export class CgroupV2 implements Cgroup {
  readonly version = 2 as const;
  readonly dir: string;

  /** root: the hierarchy's mount point, or a delegated subtree for rootless */
  constructor(
    readonly path: string,
    readonly root = "/sys/fs/cgroup",
  ) {
    this.dir = join(root, path);
  }

  exists(): boolean {
    return existsSync(this.dir);
  }

  create(resources: Resources | undefined): void {
    try {
      // every ancestor passes the controllers down before its child exists
      this.enableControllers(this.root);
      makeCgroupDirs(this.root, this.path, (dir) => {
        if (dir !== this.dir) this.enableControllers(dir);
      });
    } catch (err) {
      throw fromSystemError(err, "create cgroup", this.dir);
    }
    if (resources) this.update(resources);
  }

  private enableControllers(dir: string): void {
    const available = (readCgroupFile(dir, "cgroup.controllers") ?? "").split(" ");
    const enabled = (readCgroupFile(dir, "cgroup.subtree_control") ?? "").split(" ");
    const missing = WANTED.filter((c) => available.includes(c) && !enabled.includes(c));
    if (missing.length > 0) writeCgroupFile(dir, "cgroup.subtree_control", missing.map((c) => `+${c}`).join(" "));
  }

  private requireController(name: string, file: string): void {
    const enabled = (readCgroupFile(this.dir, "cgroup.controllers") ?? "").split(" ");
    if (!enabled.includes(name)) {
      throw new BurrowError({
        step: `cgroup ${file}`,
        object: this.dir,
        reason: `the ${name} controller is not enabled for this cgroup`,
        hint: `enable it in ${join(this.dir, "..", "cgroup.subtree_control")}`,
      });
    }
  }

  private set(controller: string, file: string, value: string | number): void {
    this.requireController(controller, file);
    writeCgroupFile(this.dir, file, value);
  }

  update(r: Resources): void {
    const m = r.memory;
    if (m) {
      // order matters: memory.max before swap, low under max
      if (m.limit !== undefined) this.set("memory", "memory.max", m.limit);
      if (m.reservation !== undefined) this.set("memory", "memory.low", m.reservation);
      if (m.swap !== undefined) {
        // the spec's swap is memory+swap (v1 memsw); v2 limits swap alone
        const swap = m.swap === -1 ? "max" : Math.max(0, m.swap - (m.limit ?? 0));
        this.set("memory", "memory.swap.max", swap);
      } else if (m.limit !== undefined && existsSync(join(this.dir, "memory.swap.max"))) {
        // Docker's default: as much swap as memory
        this.set("memory", "memory.swap.max", m.limit);
      }
      if (m.disableOOMKiller) throw new BurrowError({ step: "cgroup memory.oom.group", reason: "--oom-kill-disable is not supported on cgroup v2" });
    }
    const c = r.cpu;
    if (c) {
      if (c.shares !== undefined) this.set("cpu", "cpu.weight", sharesToWeight(c.shares));
      if (c.quota !== undefined || c.period !== undefined) {
        const quota = c.quota === undefined || c.quota <= 0 ? "max" : String(c.quota);
        this.set("cpu", "cpu.max", `${quota} ${c.period ?? 100000}`);
      }
      if (c.cpus !== undefined) this.set("cpuset", "cpuset.cpus", c.cpus);
      if (c.mems !== undefined) this.set("cpuset", "cpuset.mems", c.mems);
    }
    if (r.pids) this.set("pids", "pids.max", r.pids.limit < 0 ? "max" : r.pids.limit);
    const io = r.blockIO;
    if (io) {
      if (io.weight !== undefined) {
        // io.weight needs a weight-aware scheduler (BFQ) or cgroup io.cost
        const file = existsSync(join(this.dir, "io.bfq.weight")) ? "io.bfq.weight" : "io.weight";
        this.set("io", file, file === "io.bfq.weight" ? io.weight : `default ${blkioWeightToIoWeight(io.weight)}`);
      }
      for (const d of io.throttleReadBpsDevice ?? []) this.set("io", "io.max", `${d.major}:${d.minor} rbps=${d.rate}`);
      for (const d of io.throttleWriteBpsDevice ?? []) this.set("io", "io.max", `${d.major}:${d.minor} wbps=${d.rate}`);
    }
  }

  get unifiedDir(): string {
    return this.dir;
  }

  addProcess(pid: number): void {
    writeCgroupFile(this.dir, "cgroup.procs", pid);
  }

  oomKilled(): boolean {
    return (readKeyedFile(this.dir, "memory.events").get("oom_kill") ?? 0) > 0;
  }

  memoryLimit(): number | undefined {
    return readNumber(this.dir, "memory.max");
  }

  stats(): CgroupStats {
    const cpu = readKeyedFile(this.dir, "cpu.stat");
    let blockRead = 0;
    let blockWrite = 0;
    for (const line of (readCgroupFile(this.dir, "io.stat") ?? "").split("\n")) {
      blockRead += Number(/rbytes=(\d+)/.exec(line)?.[1] ?? 0);
      blockWrite += Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
    }
    const usage = cpu.get("usage_usec");
    return {
      cpuUsageNs: usage !== undefined ? usage * 1000 : undefined,
      memoryUsage: readNumber(this.dir, "memory.current"),
      memoryLimit: this.memoryLimit(),
      pids: readNumber(this.dir, "pids.current"),
      pidsLimit: readNumber(this.dir, "pids.max"),
      blockRead,
      blockWrite,
    };
  }

  killAll(): void {
    if (existsSync(join(this.dir, "cgroup.kill"))) {
      writeCgroupFile(this.dir, "cgroup.kill", 1);
      return;
    }
    // before Linux 5.14: signal each process; a pid namespace's init takes the rest with it
    for (const pid of (readCgroupFile(this.dir, "cgroup.procs") ?? "").split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  destroy(): void {
    if (!this.exists()) return;
    if ((readCgroupFile(this.dir, "cgroup.procs") ?? "") !== "") this.killAll();
    removeWithParents(this.dir, this.root);
  }
}
