/**
 * Detached containers: the whole lifecycle through the CLI, names under
 * contention, a killed monitor, and nothing left behind.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { BURROW, burrow, burrowMounts, busyboxRootfs, leftoverContainers, tempRoot } from "../helpers/burrow.ts";

const root = tempRoot();
const rootfs = busyboxRootfs();
const mountsBefore = burrowMounts();
const b = (...args: string[]) => burrow(args, { root });

function monitors(): number[] {
  const out = Bun.spawnSync(["pgrep", "-f", `burrow-monitor ${root}`]).stdout.toString().trim();
  return out ? out.split("\n").map(Number) : [];
}

afterAll(() => {
  b("rm", "-f", ...b("ps", "-aq").stdout.split("\n").filter(Boolean));
  expect(leftoverContainers(root)).toEqual([]);
  expect(burrowMounts()).toEqual(mountsBefore);
  expect(monitors()).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(20);
  }
}

describe("lifecycle", () => {
  test("run -d → ps → logs → exec → stop → start → rm", async () => {
    const run = b("run", "-d", "--name", "life", "--hostname", "lifehost", "--rootfs", rootfs, "sh", "-c", "echo started; echo oops >&2; while :; do sleep 0.1; done");
    expect(run.exitCode).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const ps = JSON.parse(b("ps", "--format", "json").stdout) as Array<{ Id: string; Names: string[]; State: string }>;
    expect(ps.find((c) => c.Id === id)).toMatchObject({ Names: ["life"], State: "running" });
    expect(b("ps", "-q").stdout.trim()).toBe(id.slice(0, 12));

    await until(() => {
      const l = b("logs", "life");
      return l.stdout.includes("started") && l.stderr.includes("oops");
    });
    const logs = b("logs", "life");
    expect(logs.stdout).toBe("started\n");
    expect(logs.stderr).toBe("oops\n");
    expect(b("logs", "-t", "life").stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z started\n$/);

    // exec shares every namespace: same hostname, same PID 1, same files
    const ex = b("exec", "life", "sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; touch /tmp/from-exec; echo $$");
    expect(ex.exitCode).toBe(0);
    const [host, cmdline, pid] = ex.stdout.trim().split("\n");
    expect(host).toBe("lifehost");
    expect(cmdline).toContain("while :; do sleep 0.1; done");
    expect(Number(pid)).toBeGreaterThan(1);
    expect(b("exec", "life", "ls", "/tmp/from-exec").exitCode).toBe(0);
    expect(b("exec", "life", "sh", "-c", "exit 9").exitCode).toBe(9);
    expect(b("exec", "-e", "GREETING=hi", "-w", "/tmp", "life", "sh", "-c", "echo $GREETING $(pwd)").stdout).toBe("hi /tmp\n");

    // sh as PID 1 ignores SIGTERM: killed after -t
    const t0 = performance.now();
    expect(b("stop", "-t", "1", "life").exitCode).toBe(0);
    expect(performance.now() - t0).toBeGreaterThan(900);
    const stopped = JSON.parse(b("inspect", "life").stdout)[0];
    expect(stopped.State).toMatchObject({ Status: "exited", Running: false, ExitCode: 137 });
    expect(b("ps", "-q").stdout.trim()).toBe("");
    expect(b("ps", "-aq").stdout.trim()).toBe(id.slice(0, 12));

    expect(b("start", "life").exitCode).toBe(0);
    expect(JSON.parse(b("inspect", "life").stdout)[0].State.Running).toBe(true);
    await until(() => b("logs", "life").stdout === "started\nstarted\n");

    expect(b("rm", "life").exitCode).toBe(1); // running
    expect(b("rm", "-f", "life").exitCode).toBe(0);
    expect(b("ps", "-aq").stdout.trim()).toBe("");
  });

  test("logs -f follows a container that writes, and ends when it exits", async () => {
    b("run", "-d", "--name", "follow", "--rootfs", rootfs, "sh", "-c", "for i in 1 2 3 4 5; do echo n$i; sleep 0.1; done");
    const f = Bun.spawn([BURROW, "--root", root, "logs", "-f", "follow"], { stdout: "pipe" });
    expect(await f.exited).toBe(0);
    expect(await new Response(f.stdout).text()).toBe("n1\nn2\nn3\nn4\nn5\n");
    expect(b("logs", "--tail", "2", "follow").stdout).toBe("n4\nn5\n");
    expect(b("wait", "follow").stdout).toBe("0\n");
    b("rm", "follow");
  });

  test("stop sends the stop signal first: a container that handles it exits at once", () => {
    b("run", "-d", "--name", "polite", "--rootfs", rootfs, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done");
    const t0 = performance.now();
    expect(b("stop", "-t", "10", "polite").exitCode).toBe(0);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(JSON.parse(b("inspect", "polite").stdout)[0].State.ExitCode).toBe(0);
    b("rm", "polite");
  });

  test("--rm -d removes itself when it exits", async () => {
    const id = b("run", "-d", "--rm", "--rootfs", rootfs, "sh", "-c", "sleep 0.2").stdout.trim();
    await until(() => !leftoverContainers(root).includes(id));
    expect(b("ps", "-aq").stdout).not.toContain(id.slice(0, 12));
  });

  test("kill -s, wait, and the exit code", async () => {
    b("run", "-d", "--name", "killme", "--rootfs", rootfs, "sh", "-c", "trap 'exit 42' USR1; echo ready; while :; do sleep 0.1; done");
    await until(() => b("logs", "killme").stdout === "ready\n");
    expect(b("kill", "-s", "USR1", "killme").exitCode).toBe(0);
    expect(b("wait", "killme").stdout).toBe("42\n");
    b("rm", "killme");
  });

  test("--restart on-failure:2 restarts twice, then stays down", async () => {
    b("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "--rootfs", rootfs, "sh", "-c", "echo try; exit 3");
    await until(() => {
      const s = JSON.parse(b("inspect", "flaky").stdout)[0];
      return s.RestartCount === 2 && s.State.Status === "exited";
    });
    expect(b("logs", "flaky").stdout).toBe("try\ntry\ntry\n");
    b("rm", "flaky");
  });

  test("--log-opt max-size rotates the log", async () => {
    b("run", "-d", "--name", "chatty", "--log-opt", "max-size=2k", "--log-opt", "max-file=2", "--rootfs", rootfs, "sh", "-c", "for i in $(seq 200); do echo line-$i; done");
    expect(b("wait", "chatty").stdout).toBe("0\n");
    const dir = JSON.parse(b("inspect", "chatty").stdout)[0].LogPath as string;
    expect(readFileSync(dir, "utf8").length).toBeLessThan(2048 + 200);
    expect(b("logs", "chatty").stdout.trim().split("\n").pop()).toBe("line-200");
    b("rm", "chatty");
  });

  test("container prune removes the stopped ones only", () => {
    b("run", "--name", "done1", "--rootfs", rootfs, "true");
    b("run", "-d", "--name", "alive", "--rootfs", rootfs, "sleep", "30");
    const out = b("container", "prune", "-f");
    expect(out.stdout).toContain("Deleted Containers:");
    const left = JSON.parse(b("ps", "-a", "--format", "json").stdout) as Array<{ Names: string[] }>;
    expect(left.map((c) => c.Names[0])).toEqual(["alive"]);
    b("rm", "-f", "alive");
  });
});

describe("names and races", () => {
  test("20 parallel run -d --name same: exactly one wins", async () => {
    const runs = Array.from({ length: 20 }, () =>
      Bun.spawn([BURROW, "--root", root, "run", "-d", "--name", "same", "--rootfs", rootfs, "sleep", "30"], { stdout: "pipe", stderr: "pipe" }),
    );
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    for (const [i, r] of runs.entries()) {
      if (codes[i] === 0) continue;
      const err = await new Response(r.stderr).text();
      expect(err).toMatch(/^burrow: Conflict\. The container name "\/same" is already in use/);
      expect(err.trim().split("\n")).toHaveLength(1);
    }
    expect(b("rm", "-f", "same").exitCode).toBe(0);
    expect(leftoverContainers(root)).toEqual([]);
  });

  test("two rm -f at once: both succeed or say it is gone, nothing double-freed", async () => {
    b("run", "-d", "--name", "race", "--memory", "64m", "--rootfs", rootfs, "sleep", "30");
    const rms = [0, 1].map(() => Bun.spawn([BURROW, "--root", root, "rm", "-f", "race"], { stdout: "pipe", stderr: "pipe" }));
    const codes = await Promise.all(rms.map((r) => r.exited));
    expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(1);
    for (const [i, r] of rms.entries()) if (codes[i] !== 0) expect(await new Response(r.stderr).text()).toContain("No such container: race");
    expect(leftoverContainers(root)).toEqual([]);
  });

  test("kill -9 of the monitor: ps and rm -f still right", async () => {
    b("run", "-d", "--name", "orphan", "--rootfs", rootfs, "sleep", "3001");
    const [monitor] = monitors();
    expect(monitor).toBeDefined();
    process.kill(monitor!, "SIGKILL");
    await Bun.sleep(100);
    // the container keeps running without its monitor, as with conmon
    expect(JSON.parse(b("inspect", "orphan").stdout)[0].State.Running).toBe(true);
    expect(b("rm", "-f", "orphan").exitCode).toBe(0);
    expect(b("ps", "-aq").stdout.trim()).toBe("");
    expect(Bun.spawnSync(["pgrep", "-f", "sleep 3001"]).stdout.toString().trim()).toBe("");
  });

  test("the container's process killed behind burrow's back: ps says exited", async () => {
    b("run", "-d", "--name", "victim", "--rootfs", rootfs, "sleep", "30");
    const pid = JSON.parse(b("inspect", "victim").stdout)[0].State.Pid as number;
    process.kill(pid, "SIGKILL");
    await until(() => JSON.parse(b("inspect", "victim").stdout)[0].State.Status === "exited");
    expect(JSON.parse(b("inspect", "victim").stdout)[0].State.ExitCode).toBe(137);
    b("rm", "victim");
  });
});

describe("bad input: one line, Docker's exit codes", () => {
  test("unknown container", () => {
    for (const verb of [["logs"], ["stop"], ["kill"], ["rm"], ["inspect"], ["exec"], ["wait"], ["start"], ["attach"]]) {
      const r = b(...verb, "nope", ...(verb[0] === "exec" ? ["true"] : []));
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim()).toBe("burrow: No such container: nope");
    }
  });

  test("exec into a stopped container", () => {
    b("run", "--name", "still", "--rootfs", rootfs, "true");
    const r = b("exec", "still", "true");
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe("burrow: container still is not running");
  });

  test("stop of a stopped container: says so, succeeds as Docker does", () => {
    const r = b("stop", "still");
    expect(r.exitCode).toBe(0);
    expect(r.stderr.trim()).toBe("burrow: container still is not running");
    b("rm", "still");
  });

  test("a bad signal name", () => {
    b("run", "-d", "--name", "sig", "--rootfs", rootfs, "sleep", "30");
    const r = b("kill", "-s", "SIGNOPE", "sig");
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe("burrow: invalid signal: SIGNOPE");
    b("rm", "-f", "sig");
  });

  test("a bad restart policy or name", () => {
    expect(b("run", "-d", "--restart", "sometimes", "--rootfs", rootfs, "true").stderr).toContain('invalid restart policy "sometimes"');
    expect(b("run", "-d", "--name", "-bad", "--rootfs", rootfs, "true").exitCode).toBe(125);
    expect(leftoverContainers(root)).toEqual([]);
  });
});
