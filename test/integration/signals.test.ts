/**
 * Signals sent to burrow reach the container; --init keeps PID 1 honest.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { burrowAsync, busyboxRootfs, leftoverContainers, tempRoot } from "../helpers/burrow.ts";

const root = tempRoot();
const rootfs = busyboxRootfs();

afterAll(() => {
  expect(leftoverContainers(root)).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

/** Start a container and wait until it printed "ready". */
async function startReady(args: string[]) {
  const child = burrowAsync(["run", "--rm", "--rootfs", rootfs, ...args], { root });
  const reader = child.stdout.getReader();
  let out = "";
  while (!out.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  return { child, reader, out };
}

async function rest(reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> }): Promise<string> {
  let out = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out += new TextDecoder().decode(value);
  }
}

describe("forwarding", () => {
  for (const sig of ["TERM", "INT", "HUP", "QUIT", "USR1", "USR2", "WINCH"] as const) {
    test(`SIG${sig} reaches a container that traps it`, async () => {
      const script = `trap 'echo got-${sig}; exit 0' ${sig}; echo ready; while :; do sleep 0.05; done`;
      const { child, reader } = await startReady(["sh", "-c", script]);
      child.kill(`SIG${sig}`);
      const out = await rest(reader);
      expect(out).toContain(`got-${sig}`);
      expect(await child.exited).toBe(0);
    });
  }
});

describe("--init", () => {
  test("sleep as the command still dies on SIGTERM: 143", async () => {
    const { child } = await startReady(["--init", "sh", "-c", "echo ready; exec sleep 30"]);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(143);
  });

  test("without --init, PID 1 ignores SIGTERM it does not handle; SIGKILL of burrow still ends it", async () => {
    const { child } = await startReady(["sh", "-c", "echo ready; exec sleep 30"]);
    child.kill("SIGTERM");
    const early = await Promise.race([child.exited, Bun.sleep(300).then(() => "running")]);
    expect(early).toBe("running");
    child.kill("SIGKILL");
    await child.exited;
    // the container dies with its parent (PDEATHSIG)
    await Bun.sleep(100);
    const left = Bun.spawnSync(["pgrep", "-f", "exec sleep 30"]).stdout.toString().trim();
    expect(left).toBe("");
  });

  test("init reaps orphaned zombies", async () => {
    // the background sleep's parent sh exits; its orphan is re-parented to init
    const r = burrowAsync(["run", "--rm", "--rootfs", rootfs, "--init", "sh", "-c", "sh -c 'sleep 0.1 &'; sleep 0.4; ps -o stat= | grep -c Z || true"], { root });
    const out = await new Response(r.stdout).text();
    expect(await r.exited).toBe(0);
    expect(out.trim()).toBe("0");
  });

  test("init is PID 1 and the command is its child", async () => {
    const r = burrowAsync(["run", "--rm", "--rootfs", rootfs, "--init", "sh", "-c", "echo $$; cat /proc/1/comm"], { root });
    const out = await new Response(r.stdout).text();
    expect(out).toBe("2\nburrow-init\n");
  });
});
