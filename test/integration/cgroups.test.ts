/**
 * Resource limits on whichever cgroup version the kernel runs: v1 (this
 * project's host) and v2 (CI runs this file again in a pure-v2 guest).
 * Each flag is checked in its cgroup file and, where cheap, for its effect.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BURROW, burrow, busyboxRootfs, leftoverContainers, tempRoot } from "../helpers/burrow.ts";

const root = tempRoot();
const rootfs = busyboxRootfs();
const v2 = /^\S+ \/sys\/fs\/cgroup cgroup2 /m.test(readFileSync("/proc/self/mounts", "utf8"));

function burrowCgroupDirs(): string[] {
  const out = Bun.spawnSync(["find", "/sys/fs/cgroup", "-maxdepth", "3", "-name", "*burrow*"]).stdout.toString().trim();
  return out ? out.split("\n") : [];
}

afterAll(() => {
  expect(leftoverContainers(root)).toEqual([]);
  expect(burrowCgroupDirs()).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

/** Start a container in the background, wait until it runs, and give its cgroup dir for a controller. */
async function withContainer(args: string[], fn: (cgroupDir: (controller: string) => string, pid: number) => Promise<void> | void) {
  const child = Bun.spawn([BURROW, "--root", root, "run", "--rm", "--rootfs", rootfs, ...args, "sleep", "30"], { stdout: "pipe", stderr: "pipe" });
  let state: { cgroup: { path: string }; pid: number } | undefined;
  // generous: under an emulated cgroup v2 guest one launch takes seconds
  for (let i = 0; i < 1500 && !state?.pid; i++) {
    await Bun.sleep(20);
    const dir = join(root, "run", "containers");
    const ids = existsSync(dir) ? readdirSync(dir).filter((d) => !d.startsWith(".")) : [];
    if (ids[0]) {
      try {
        state = JSON.parse(readFileSync(join(dir, ids[0], "state.json"), "utf8"));
      } catch {
        // being written
      }
    }
  }
  try {
    expect(state?.pid).toBeGreaterThan(0);
    const cgroupDir = (controller: string) => (v2 ? join("/sys/fs/cgroup", state!.cgroup.path) : join("/sys/fs/cgroup", controller, state!.cgroup.path));
    await fn(cgroupDir, state!.pid);
  } finally {
    child.kill("SIGKILL");
    await child.exited;
    // the next command sweeps what the killed burrow left
    burrow(["run", "--rm", "--rootfs", rootfs, "true"], { root });
  }
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8").trim();

describe("each flag lands in its cgroup file", () => {
  test("--memory, --memory-reservation, --memory-swap", async () => {
    await withContainer(["--memory", "64m", "--memory-reservation", "32m", "--memory-swap", "128m"], (dir) => {
      if (v2) {
        expect(read(dir("memory"), "memory.max")).toBe(String(64 * 2 ** 20));
        expect(read(dir("memory"), "memory.low")).toBe(String(32 * 2 ** 20));
        if (existsSync(join(dir("memory"), "memory.swap.max"))) expect(read(dir("memory"), "memory.swap.max")).toBe(String(64 * 2 ** 20));
      } else {
        expect(read(dir("memory"), "memory.limit_in_bytes")).toBe(String(64 * 2 ** 20));
        expect(read(dir("memory"), "memory.soft_limit_in_bytes")).toBe(String(32 * 2 ** 20));
        if (existsSync(join(dir("memory"), "memory.memsw.limit_in_bytes"))) expect(read(dir("memory"), "memory.memsw.limit_in_bytes")).toBe(String(128 * 2 ** 20));
      }
    });
  });

  test("--cpus, --cpu-shares", async () => {
    await withContainer(["--cpus", "0.5", "--cpu-shares", "512"], (dir) => {
      if (v2) {
        expect(read(dir("cpu"), "cpu.max")).toBe("50000 100000");
        // crun's log-quadratic mapping: 1024 shares → weight 100, 512 → 59
        expect(Number(read(dir("cpu"), "cpu.weight"))).toBe(59);
      } else {
        expect(read(dir("cpu"), "cpu.cfs_quota_us")).toBe("50000");
        expect(read(dir("cpu"), "cpu.cfs_period_us")).toBe("100000");
        expect(read(dir("cpu"), "cpu.shares")).toBe("512");
      }
    });
  });

  test("--cpu-period/--cpu-quota, --cpuset-cpus, --cpuset-mems, --pids-limit", async () => {
    await withContainer(["--cpu-period", "50000", "--cpu-quota", "25000", "--cpuset-cpus", "0", "--cpuset-mems", "0", "--pids-limit", "10"], (dir) => {
      if (v2) expect(read(dir("cpu"), "cpu.max")).toBe("25000 50000");
      else expect(read(dir("cpu"), "cpu.cfs_quota_us")).toBe("25000");
      expect(read(dir("cpuset"), "cpuset.cpus")).toBe("0");
      expect(read(dir("cpuset"), "cpuset.mems")).toBe("0");
      expect(read(dir("pids"), "pids.max")).toBe("10");
    });
  });

  test("the container sees its own cgroup as / (cgroup namespace)", () => {
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "--memory", "64m", "cat", "/proc/self/cgroup"], { root });
    for (const line of r.stdout.trim().split("\n")) expect(line).toMatch(/:\/$/);
  });
});

describe("limits take effect", () => {
  test("past --memory the OOM killer ends it: 137 and a message", () => {
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "--memory", "32m", "--memory-swap", "32m", "sh", "-c", "x=$(head -c 200m /dev/zero | tr '\\0' a); echo survived"], {
      root,
    });
    expect(r.exitCode).toBe(137);
    expect(r.stdout).not.toContain("survived");
    expect(r.stderr).toContain("burrow: container killed by the OOM killer (memory limit 32 MiB)");
  });

  test("--pids-limit stops a fork bomb", () => {
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "--pids-limit", "10", "sh", "-c", "for i in $(seq 30); do sleep 2 & done 2>&1 | grep -c 'can.t fork'; kill $(jobs -p) 2>/dev/null; true"], { root });
    expect(Number(r.stdout.trim())).toBeGreaterThan(0);
  });

  test("--cpuset-cpus 0 pins it", () => {
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "--cpuset-cpus", "0", "grep", "Cpus_allowed_list", "/proc/self/status"], { root });
    expect(r.stdout.trim()).toMatch(/:\s+0$/);
  });

  test("--cpus 0.5 caps a busy loop near half a CPU", async () => {
    const child = Bun.spawn([BURROW, "--root", root, "run", "--rm", "--rootfs", rootfs, "--cpus", "0.5", "sh", "-c", "while :; do :; done"], { stdout: "ignore", stderr: "ignore" });
    try {
      const stats = () => JSON.parse(Bun.spawnSync([BURROW, "--root", root, "stats", "--no-stream", "--json"]).stdout.toString()) as { cpuPercent: number }[];
      // running, not only created: under the emulated v2 guest a launch takes seconds
      for (let i = 0; i < 300 && stats().length === 0; i++) await Bun.sleep(100);
      await Bun.sleep(300);
      const samples = [stats()[0]!.cpuPercent, stats()[0]!.cpuPercent, stats()[0]!.cpuPercent];
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
      expect(mean).toBeGreaterThan(20);
      expect(mean).toBeLessThan(80);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
      burrow(["run", "--rm", "--rootfs", rootfs, "true"], { root });
    }
  });
});

describe("update and stats", () => {
  test("update changes a running container's limits; stats shows them", async () => {
    await withContainer(["--name", "upd", "--memory", "64m"], (dir) => {
      const u = burrow(["update", "--memory", "96m", "--pids-limit", "20", "upd"], { root });
      expect(u.exitCode).toBe(0);
      expect(read(dir("pids"), "pids.max")).toBe("20");
      const s = JSON.parse(burrow(["stats", "--no-stream", "--json", "upd"], { root }).stdout) as { name: string; memoryLimit: number; pids: number }[];
      expect(s[0]!.name).toBe("upd");
      expect(s[0]!.memoryLimit).toBe(96 * 2 ** 20);
      expect(s[0]!.pids).toBeGreaterThanOrEqual(1);
    });
  });

  test("update of an unknown container: one line, nonzero", () => {
    const r = burrow(["update", "--memory", "64m", "nope"], { root });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.trim()).toBe("burrow: No such container: nope");
  });
});

describe("bad limits: one line, 125, nothing left", () => {
  const cases: Array<[string[], string]> = [
    [["--kernel-memory", "10m"], "--kernel-memory is not supported"],
    [["--memory", "1k"], "minimum memory limit allowed is 6MB"],
    [["--memory", "lots"], 'invalid size "lots"'],
    [["--memory-swap", "64m"], "always set the memory limit"],
    [["--cpus", "0.5", "--cpu-quota", "1000"], "conflicting options"],
    [["--blkio-weight", "5"], "range of blkio weight is from 10 to 1000"],
    [["--cpuset-cpus", "abc"], "invalid value"],
  ];
  for (const [flags, message] of cases) {
    test(flags.join(" "), () => {
      const r = burrow(["run", "--rm", "--rootfs", rootfs, ...flags, "true"], { root });
      expect(r.exitCode).toBe(125);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(message);
      expect(leftoverContainers(root)).toEqual([]);
    });
  }

  test("a cpuset the host does not have names the file", () => {
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "--cpuset-cpus", "64", "true"], { root });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/^burrow: cgroup cpuset\.cpus .*\(E[A-Z]+\)\n$/);
    expect(burrowCgroupDirs()).toEqual([]);
  });
});

describe("clean-up", () => {
  test("after a run no cgroup of burrow is left in any hierarchy", () => {
    burrow(["run", "--rm", "--rootfs", rootfs, "--memory", "64m", "--pids-limit", "50", "true"], { root });
    expect(burrowCgroupDirs()).toEqual([]);
  });

  test("a SIGKILLed burrow's cgroup is removed by the next command", async () => {
    const child = Bun.spawn([BURROW, "--root", root, "run", "--rm", "--rootfs", rootfs, "--memory", "64m", "sleep", "30"], { stdout: "ignore", stderr: "ignore" });
    for (let i = 0; i < 1500 && burrowCgroupDirs().length === 0; i++) await Bun.sleep(20);
    expect(burrowCgroupDirs().length).toBeGreaterThan(0);
    child.kill("SIGKILL");
    await child.exited;
    await Bun.sleep(100);
    burrow(["run", "--rm", "--rootfs", rootfs, "true"], { root });
    expect(burrowCgroupDirs()).toEqual([]);
    expect(leftoverContainers(root)).toEqual([]);
  });
});
