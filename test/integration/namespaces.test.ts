/**
 * Each namespace shown from inside and outside, as the classic
 * demonstrations do.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { burrow, burrowMounts, busyboxRootfs, leftoverContainers, tempRoot } from "../helpers/burrow.ts";

const root = tempRoot();
const rootfs = busyboxRootfs();
const run = (...args: string[]) => burrow(["run", "--rm", "--rootfs", rootfs, ...args], { root });

afterAll(() => {
  expect(leftoverContainers(root)).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

describe("pid namespace", () => {
  test("the command is PID 1 and ps sees only the container", () => {
    const r = run("sh", "-c", "echo $$; ps -o pid= | wc -l");
    expect(r.exitCode).toBe(0);
    const [pid, count] = r.stdout.trim().split("\n");
    expect(pid).toBe("1");
    // sh, ps, wc (and maybe the subshell)
    expect(Number(count)).toBeLessThanOrEqual(4);
  });

  test("--pid host sees the host's processes", () => {
    const r = run("--pid", "host", "sh", "-c", "test -d /proc/1 && ps -o pid= | wc -l");
    expect(r.exitCode).toBe(0);
    expect(Number(r.stdout.trim())).toBeGreaterThan(5);
  });
});

describe("uts namespace", () => {
  test("a hostname set inside does not change the host's", () => {
    const before = readFileSync("/proc/sys/kernel/hostname", "utf8");
    const r = run("--cap-add", "SYS_ADMIN", "sh", "-c", "hostname changed-inside && hostname");
    expect(r.stdout.trim()).toBe("changed-inside");
    expect(readFileSync("/proc/sys/kernel/hostname", "utf8")).toBe(before);
  });

  test("--hostname sets it, and /etc/hostname and $HOSTNAME agree", () => {
    const r = run("--hostname", "burrowbox", "sh", "-c", "hostname; cat /etc/hostname; echo $HOSTNAME");
    expect(r.stdout).toBe("burrowbox\nburrowbox\nburrowbox\n");
  });

  test("the default hostname is the first 12 characters of the id", () => {
    const r = run("hostname");
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{12}$/);
  });

  test("--uts host keeps the host's hostname", () => {
    const r = run("--uts", "host", "hostname");
    expect(r.stdout.trim()).toBe(readFileSync("/proc/sys/kernel/hostname", "utf8").trim());
  });
});

describe("ipc namespace", () => {
  test("System V queues are not shared either way", () => {
    // the host's root filesystem has util-linux's ipcmk/ipcs
    const host = Bun.spawnSync(["ipcmk", "-Q"]).stdout.toString();
    const hostQueue = /(\d+)/.exec(host)?.[1];
    expect(hostQueue).toBeDefined();
    try {
      const r = burrow(["run", "--rm", "--rootfs", "/", "sh", "-c", "ipcs -q | grep -c '^0x' ; ipcmk -Q >/dev/null; ipcs -q | grep -c '^0x'"], { root });
      expect(r.stdout.split("\n").slice(0, 2)).toEqual(["0", "1"]);
      const after = Bun.spawnSync(["ipcs", "-q"]).stdout.toString();
      expect(after.split("\n").filter((l) => l.startsWith("0x")).length).toBe(
        host ? after.split("\n").filter((l) => l.startsWith("0x")).length : 0,
      );
      expect(after).toContain(hostQueue!);
    } finally {
      Bun.spawnSync(["ipcrm", "-q", hostQueue!]);
    }
  });

  test("--ipc host shares them", () => {
    const q = /(\d+)/.exec(Bun.spawnSync(["ipcmk", "-Q"]).stdout.toString())![1]!;
    try {
      const r = burrow(["run", "--rm", "--rootfs", "/", "--ipc", "host", "ipcs", "-q"], { root });
      expect(r.stdout).toContain(q);
    } finally {
      Bun.spawnSync(["ipcrm", "-q", q]);
    }
  });
});

describe("network namespace", () => {
  test("only lo, and it is up", () => {
    const r = run("sh", "-c", "ls /sys/class/net; ip -o link show lo");
    expect(r.stdout.split("\n")[0]).toBe("lo");
    expect(r.stdout).toContain("UP");
  });

  test("--network none is the same", () => {
    expect(run("--network", "none", "ls", "/sys/class/net").stdout.trim()).toBe("lo");
  });

  test("--network host sees the host's links", () => {
    const hostLinks = Bun.spawnSync(["ls", "/sys/class/net"]).stdout.toString();
    expect(run("--network", "host", "ls", "/sys/class/net").stdout).toBe(hostLinks);
  });

  test("loopback works inside", () => {
    const r = run("sh", "-c", "nc -l -p 8080 > /tmp/got & sleep 0.2; echo ping | nc -w 1 127.0.0.1 8080; sleep 0.2; cat /tmp/got");
    expect(r.stdout.trim()).toBe("ping");
  });
});

describe("mount namespace", () => {
  test("the container's mounts are not in the host's mountinfo", () => {
    const before = burrowMounts();
    const r = run("--tmpfs", "/scratch", "sh", "-c", "grep -c ' /scratch ' /proc/self/mountinfo");
    expect(r.stdout.trim()).toBe("1");
    expect(burrowMounts()).toEqual(before);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain("/scratch");
  });

  test("the root is the rootfs, pivoted: the host's files are gone", () => {
    const r = run("sh", "-c", "test -e /work || test -e /usr/bin/apt && echo host || echo contained");
    expect(r.stdout.trim()).toBe("contained");
  });
});

describe("user namespace", () => {
  test("--userns maps root inside to an unprivileged uid outside", () => {
    const r = run("--userns", "private", "sh", "-c", "id -u; cat /proc/self/uid_map");
    expect(r.exitCode).toBe(0);
    const [uid, map] = r.stdout.trim().split("\n");
    expect(uid).toBe("0");
    const fields = map!.trim().split(/\s+/).map(Number);
    expect(fields[0]).toBe(0);
    expect(fields[1]).toBeGreaterThan(0);
  });

  test("--uidmap/--gidmap give the mapping asked for", () => {
    const r = run("--uidmap", "0:200000:1000", "--gidmap", "0:300000:1000", "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map");
    expect(r.stdout.replace(/\s+/g, " ").trim()).toBe("0 200000 1000 0 300000 1000");
  });
});

describe("cgroup namespace", () => {
  test("the container sees its own cgroup as /", () => {
    const r = run("cat", "/proc/self/cgroup");
    expect(r.exitCode).toBe(0);
    for (const line of r.stdout.trim().split("\n")) expect(line.endsWith(":/")).toBe(true);
  });
});
