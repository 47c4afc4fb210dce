/**
 * Many launches: every exit code right, nothing left behind. Slow-ish
 * (1,000 sequential and 200 eight at a time), and part of CI.
 */
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { BURROW, burrowMounts, busyboxRootfs, leftoverContainers, strayBurrowProcesses, tempRoot } from "../helpers/burrow.ts";

const root = tempRoot();
const rootfs = busyboxRootfs();
const mountsBefore = burrowMounts();

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function check() {
  expect(leftoverContainers(root)).toEqual([]);
  expect(burrowMounts()).toEqual(mountsBefore);
  expect(strayBurrowProcesses()).toEqual([]);
}

test("1,000 sequential launches", () => {
  for (let i = 0; i < 1000; i++) {
    const code = i % 256;
    const r = Bun.spawnSync([BURROW, "--root", root, "run", "--rm", "--rootfs", rootfs, "sh", "-c", `exit ${code}`], { stdout: "ignore", stderr: "pipe" });
    if (r.exitCode !== code) throw new Error(`launch ${i}: exit ${r.exitCode}, wanted ${code}: ${r.stderr}`);
  }
  check();
}, 300_000);

test("200 launches, 8 at a time", async () => {
  let next = 0;
  const failures: string[] = [];
  async function worker() {
    while (next < 200) {
      const i = next++;
      const code = (i * 7) % 256;
      const p = Bun.spawn([BURROW, "--root", root, "run", "--rm", "--rootfs", rootfs, "sh", "-c", `exit ${code}`], { stdout: "ignore", stderr: "pipe" });
      const got = await p.exited;
      if (got !== code) failures.push(`launch ${i}: exit ${got}, wanted ${code}: ${await new Response(p.stderr).text()}`);
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker));
  expect(failures).toEqual([]);
  check();
}, 300_000);
