/**
 * Rootless: an unprivileged user runs burrow on a rootfs it owns. With an
 * /etc/subuid range it gets a full map through newuidmap; a system user
 * without one gets its own id alone.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { burrow, busyboxRootfs } from "../helpers/burrow.ts";
import { ensureUser, withoutWarnings, type TestUser } from "../helpers/users.ts";

let workdir: string;

beforeAll(() => {
  workdir = mkdtempSync(join(tmpdir(), "burrow-rootless-"));
  chmodSync(workdir, 0o755);
});

afterAll(() => {
  rmSync(workdir, { recursive: true, force: true });
});

/** A rootfs and a --root that belong to the user. */
function setupFor(user: TestUser): { rootfs: string; root: string } {
  const base = join(workdir, user.name);
  const rootfs = join(base, "rootfs");
  const root = join(base, "state");
  cpSync(busyboxRootfs(), rootfs, { recursive: true, verbatimSymlinks: true });
  Bun.spawnSync(["mkdir", "-p", root]);
  Bun.spawnSync(["chown", "-R", `${user.uid}:${user.gid}`, base]);
  return { rootfs, root };
}

describe("rootless with a subordinate id range", () => {
  const user = ensureUser("burrowtest", false);
  const hasSubuid = Bun.spawnSync(["grep", "-q", `^${user.name}:`, "/etc/subuid"]).exitCode === 0;

  test("the caller is root inside and itself outside", async () => {
    const { rootfs, root } = setupFor(user);
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "sh", "-c", "id -u; cat /proc/self/uid_map; sleep 0.3 & ps -o user= -o comm= ; wait"], {
      root,
      asUser: user,
    });
    // on cgroup v1 there is nothing to delegate: burrow says so once
    expect(withoutWarnings(r.stderr)).toBe("");
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("0");
    expect(lines[1]!.trim().split(/\s+/).map(Number)).toEqual([0, user.uid, 1]);
    if (hasSubuid) expect(lines[2]!.trim().split(/\s+/)[0]).toBe("1");
  });

  test("the container's process runs as the caller's uid on the host", async () => {
    const { rootfs, root } = setupFor(user);
    const child = Bun.spawn(
      ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "dist/burrow", "--root", root, "run", "--rm", "--rootfs", rootfs, "sleep", "2"],
      { env: { PATH: process.env.PATH!, HOME: user.home }, stdout: "pipe", stderr: "pipe" },
    );
    let sleeper: number | undefined;
    for (let i = 0; i < 50 && !sleeper; i++) {
      await Bun.sleep(50);
      const found = Bun.spawnSync(["pgrep", "-u", String(user.uid), "-x", "sleep"]).stdout.toString().trim();
      if (found) sleeper = Number(found.split("\n")[0]);
    }
    expect(sleeper).toBeDefined();
    const status = await Bun.file(`/proc/${sleeper}/status`).text();
    expect(/Uid:\s+(\d+)/.exec(status)![1]).toBe(String(user.uid));
    child.kill("SIGTERM");
    await child.exited;
  });

  test("isolation holds: hostname, pid 1, only lo, mounts private", () => {
    const { rootfs, root } = setupFor(user);
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "--hostname", "rl", "sh", "-c", "hostname; echo $$; ls /sys/class/net; touch /tmp/x && echo w"], {
      root,
      asUser: user,
    });
    expect(r.stdout).toBe("rl\n1\nlo\nw\n");
  });

  test("volumes and --read-only work without privileges", () => {
    const { rootfs, root } = setupFor(user);
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "--read-only", "-v", `${root}:/data`, "sh", "-c", "touch /x 2>/dev/null || echo ro; echo hi > /data/f; cat /data/f"], {
      root,
      asUser: user,
    });
    expect(r.stdout).toBe("ro\nhi\n");
  });
});

describe("rootless images", () => {
  const user = ensureUser("burrowtest", false);

  test("import, run on overlayfs in the user namespace, owners as the image says, rmi leaves nothing", () => {
    const { rootfs, root } = setupFor(user);
    Bun.spawnSync(["chown", "1000:1000", join(rootfs, "home/alice")]);
    const tarball = join(workdir, `${user.name}-image.tar`);
    Bun.spawnSync(["tar", "--numeric-owner", "-C", rootfs, "-cf", tarball, "."]);
    Bun.spawnSync(["chmod", "644", tarball]);
    const imported = burrow(["import", "--change", 'CMD ["sh"]', tarball, "mine:1"], { root, asUser: user });
    expect(imported.exitCode).toBe(0);
    const r = burrow(["run", "--rm", "mine:1", "sh", "-c", "stat -c '%u' /home/alice; echo written > /tmp/x && cat /tmp/x"], { root, asUser: user });
    expect(withoutWarnings(r.stderr)).toBe("");
    expect(r.stdout).toBe("1000\nwritten\n");
    // on the host, the layer's files belong to the user's subordinate ids
    const layers = join(root, "data", "layers");
    const layer = Bun.spawnSync(["ls", layers]).stdout.toString().trim().split("\n")[0]!;
    const owner = Bun.spawnSync(["stat", "-c", "%u", join(layers, layer, "home/alice")]).stdout.toString().trim();
    expect(Number(owner)).toBeGreaterThanOrEqual(100000);
    expect(burrow(["rmi", "mine:1"], { root, asUser: user }).exitCode).toBe(0);
    expect(Bun.spawnSync(["ls", "-A", layers]).stdout.toString().trim()).toBe("");
  });
});

describe("rootless without a subordinate id range", () => {
  const user = ensureUser("burrowsys", true);

  test("maps just the caller, and still runs", () => {
    Bun.spawnSync(["sed", "-i", `/^${user.name}:/d`, "/etc/subuid", "/etc/subgid"]);
    const { rootfs, root } = setupFor(user);
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "sh", "-c", "id -u; cat /proc/self/uid_map | wc -l; cat /proc/self/setgroups"], { root, asUser: user });
    expect(withoutWarnings(r.stderr)).toBe("");
    expect(r.stdout.trim().split("\n")).toEqual(["0", "1", "deny"]);
  });

  test("--userns host is refused for an unprivileged user", () => {
    const { rootfs, root } = setupFor(user);
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "--userns", "host", "true"], { root, asUser: user });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain("cannot share the host's user namespace");
  });
});
