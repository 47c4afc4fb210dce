/**
 * Nothing is left behind: not after a normal run, not after a failed one,
 * not after burrow is SIGKILLed in the middle of a launch.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BURROW, burrow, burrowMounts, busyboxRootfs, leftoverContainers, strayBurrowProcesses, tempRoot } from "../helpers/burrow.ts";

const root = tempRoot();
const rootfs = busyboxRootfs();
const mountsBefore = burrowMounts();

afterAll(() => {
  expect(leftoverContainers(root)).toEqual([]);
  expect(burrowMounts()).toEqual(mountsBefore);
  rmSync(root, { recursive: true, force: true });
});

describe("after each run", () => {
  test("a successful run leaves no state dir and no mount", () => {
    expect(burrow(["run", "--rm", "--rootfs", rootfs, "-v", `${root}:/data`, "--tmpfs", "/t", "true"], { root }).exitCode).toBe(0);
    expect(leftoverContainers(root)).toEqual([]);
    expect(burrowMounts()).toEqual(mountsBefore);
  });

  test("failures at every stage leave nothing", () => {
    const cases = [
      ["--rootfs", "/nonexistent", "true"],
      ["--rootfs", rootfs, "-v", "/nonexistent:/x", "true"],
      ["--rootfs", rootfs, "-u", "nobody-here", "true"],
      ["--rootfs", rootfs, "nope"],
      ["--rootfs", rootfs, "-w", "/etc/passwd", "true"],
      ["--rootfs", rootfs, "--tmpfs", "/t:size=nonsense", "true"],
    ];
    for (const args of cases) {
      const r = burrow(["run", ...args], { root });
      expect(r.exitCode).toBeGreaterThanOrEqual(125);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(leftoverContainers(root)).toEqual([]);
    }
    expect(burrowMounts()).toEqual(mountsBefore);
  });
});

describe("fds", () => {
  test("the container gets 0, 1, 2 only, even when burrow inherited more", () => {
    const r = Bun.spawnSync(
      ["bash", "-c", `exec 7</etc/hostname 8>/dev/null; "${BURROW}" --root "${root}" run --rm --rootfs "${rootfs}" ls /proc/self/fd`],
      { stdout: "pipe", stderr: "pipe" },
    );
    // ls itself opens one directory fd to list
    expect(r.stdout.toString().trim().split("\n")).toEqual(["0", "1", "2", "3"]);
  });
});

describe("burrow killed with SIGKILL", () => {
  async function killDuring(args: string[], afterMs: number) {
    const child = Bun.spawn([BURROW, "--root", root, "run", "--rm", "--rootfs", rootfs, ...args], { stdout: "ignore", stderr: "ignore" });
    await Bun.sleep(afterMs);
    child.kill("SIGKILL");
    await child.exited;
  }

  test("the container dies with it and the next command clears its state", async () => {
    await killDuring(["sh", "-c", "exec sleep 30"], 300);
    await Bun.sleep(100);
    expect(Bun.spawnSync(["pgrep", "-f", "exec sleep 30"]).stdout.toString().trim()).toBe("");
    // the state dir may be left by the kill; any later burrow run sweeps it
    expect(burrow(["run", "--rm", "--rootfs", rootfs, "true"], { root }).exitCode).toBe(0);
    expect(leftoverContainers(root)).toEqual([]);
  });

  test("killed mid-launch, many times: no mounts, no processes, no state", async () => {
    for (let i = 0; i < 20; i++) await killDuring(["true"], i % 10);
    expect(burrow(["run", "--rm", "--rootfs", rootfs, "true"], { root }).exitCode).toBe(0);
    expect(leftoverContainers(root)).toEqual([]);
    expect(burrowMounts()).toEqual(mountsBefore);
    expect(strayBurrowProcesses()).toEqual([]);
    expect(readdirSync(join(root, "run", "containers"))).toEqual([]);
  });
});
