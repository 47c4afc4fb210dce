/**
 * fuse-overlayfs: the root of rootless containers where the kernel refuses
 * overlayfs in a user namespace (before Linux 5.11). This kernel allows it,
 * so the tests choose the fallback with BURROW_OVERLAY=fuse, as root and as
 * an unprivileged user. The daemon must serve the container from outside
 * it, and stop when the container ends.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { burrow, burrowAsync, burrowMounts, busyboxRootfs, leftoverContainers, tempRoot, type RunOpts } from "../helpers/burrow.ts";
import { buildImage, fixtureLayers, writeLayout } from "../helpers/images.ts";
import { ensureUser, withoutWarnings } from "../helpers/users.ts";

const FUSE = { BURROW_OVERLAY: "fuse" };
let root: string;
let work: string;
let archive: string;
const mountsBefore = burrowMounts();

const b = (args: string[], opts: RunOpts = {}) => burrow(args, { root, ...opts, env: { ...FUSE, ...opts.env } });

/** fuse-overlayfs daemons serving containers under a --root (zombies are gone: they only wait for a reaper) */
function daemonsUnder(dir: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes("fuse-overlayfs") && cmdline.includes(`upperdir=${dir}`)) out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/** The fixture image (whiteouts, an opaque dir, links) as an OCI layout archive. */
function fixtureArchive(): string {
  const layout = join(work, "layout");
  const image = buildImage(fixtureLayers(busyboxRootfs()), { cmd: ["sh"] });
  writeLayout(layout, "fixture:v1", image.manifest, [image]);
  const tar = join(work, "fixture.tar");
  Bun.spawnSync(["tar", "-C", layout, "-cf", tar, "."]);
  chmodSync(tar, 0o644);
  return tar;
}

beforeAll(() => {
  root = tempRoot();
  work = mkdtempSync(join(tmpdir(), "burrow-fuse-"));
  chmodSync(work, 0o755);
  archive = fixtureArchive();
  expect(burrow(["load", "-i", archive], { root }).exitCode).toBe(0);
});

afterAll(() => {
  b(["rm", "-f", ...b(["ps", "-aq"]).stdout.split("\n").filter(Boolean)]);
  expect(leftoverContainers(root)).toEqual([]);
  expect(daemonsUnder(root)).toEqual([]);
  expect(burrowMounts()).toEqual(mountsBefore);
  rmSync(work, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe("fuse-overlayfs as the root", () => {
  test("the image's files merged, whiteouts and the opaque dir honoured, writes kept from the layers", () => {
    const script = [
      "grep ' / ' /proc/self/mountinfo | grep -o fuse.fuse-overlayfs",
      "cat /data/replaced",
      "ls /data/opaque",
      "test -e /data/deleted || echo deleted",
      "cat /data/hardlink",
      "readlink /data/symlink",
      "echo changed > /data/replaced && cat /data/replaced",
      "ps -o comm | grep -c fuse-overlayfs",
      "echo mine > /tmp/f && chown 1000:1000 /tmp/f && stat -c %u:%g /tmp/f",
    ].join("; ");
    const r = b(["run", "--rm", "fixture:v1", "sh", "-c", script]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("fuse.fuse-overlayfs\nnew\nnew\ndeleted\nlinked\noriginal\nchanged\n0\n1000:1000\n");
    expect(r.exitCode).toBe(0);
    // the write went to the container's upper dir, gone with --rm; the layers are as they were
    expect(b(["run", "--rm", "fixture:v1", "cat", "/data/replaced"]).stdout).toBe("new\n");
    expect(daemonsUnder(root)).toEqual([]);
  });

  test("detached: exec shares the root, the daemon is outside the container, rm -f stops it", () => {
    const id = b(["run", "-d", "fixture:v1", "sleep", "100"]).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const state = JSON.parse(readFileSync(join(root, "run", "containers", id, "state.json"), "utf8"));
    expect(daemonsUnder(root)).toEqual([state.overlayDaemon.pid]);
    const e = b(["exec", id, "sh", "-c", "echo from-exec > /data/x; cat /data/x; ps -o comm | grep -c fuse-overlayfs"]);
    expect(e.stdout).toBe("from-exec\n0\n");
    expect(b(["rm", "-f", id]).exitCode).toBe(0);
    expect(daemonsUnder(root)).toEqual([]);
    expect(leftoverContainers(root)).toEqual([]);
  });

  test("a container that exits on its own stops its daemon", async () => {
    const id = b(["run", "-d", "fixture:v1", "sh", "-c", "echo done > /data/out"]).stdout.trim();
    expect(b(["wait", id]).stdout.trim()).toBe("0");
    for (let i = 0; i < 100 && daemonsUnder(root).length > 0; i++) await Bun.sleep(20);
    expect(daemonsUnder(root)).toEqual([]);
    // what it wrote reached its upper dir before the daemon stopped
    const upper = join(root, "data", "containers", id, "upper", "data", "out");
    expect(readFileSync(upper, "utf8")).toBe("done\n");
    expect(b(["rm", id]).exitCode).toBe(0);
  });

  test("a foreground burrow killed with SIGKILL takes its daemon along", async () => {
    const child = burrowAsync(["run", "--rm", "fixture:v1", "sleep", "100"], { root, env: FUSE });
    for (let i = 0; i < 100 && daemonsUnder(root).length === 0; i++) await Bun.sleep(20);
    expect(daemonsUnder(root).length).toBe(1);
    child.kill("SIGKILL");
    await child.exited;
    for (let i = 0; i < 100 && daemonsUnder(root).length > 0; i++) await Bun.sleep(20);
    expect(daemonsUnder(root)).toEqual([]);
    // the next command sweeps the state the killed burrow left
    expect(b(["ps", "-aq"]).stdout).toBe("");
  });

  test("a bad BURROW_OVERLAY is refused", () => {
    const r = b(["run", "--rm", "fixture:v1", "true"], { env: { BURROW_OVERLAY: "zfs" } });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toBe("burrow: overlay driver BURROW_OVERLAY=zfs: use kernel or fuse\n");
  });
});

describe("rootless on fuse-overlayfs", () => {
  const user = ensureUser("burrowtest", false);

  /**
   * Run burrow as the user in a private mount namespace whose /dev/fuse has
   * the given mode (udev makes it 0666; this machine has 0600).
   */
  function asUser(fuseMode: number, args: string[], userRoot: string) {
    const node = join(work, `fuse-${fuseMode.toString(8)}`);
    rmSync(node, { force: true });
    Bun.spawnSync(["mknod", node, "c", "10", "229"]);
    chmodSync(node, fuseMode);
    const cmd = ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "dist/burrow", "--root", userRoot, ...args];
    const r = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c", `mount --bind "$0" /dev/fuse && exec "$@"`, node, ...cmd], {
      env: { PATH: process.env.PATH!, HOME: user.home, ...FUSE },
      stdout: "pipe",
      stderr: "pipe",
    });
    return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }


  test("an unprivileged user runs an image on fuse-overlayfs; owners as the image says", () => {
    const userRoot = join(work, "user-root");
    Bun.spawnSync(["mkdir", "-p", userRoot]);
    chownSync(userRoot, user.uid, user.gid);
    expect(asUser(0o666, ["load", "-i", archive], userRoot).exitCode).toBe(0);
    const r = asUser(0o666, ["run", "--rm", "fixture:v1", "sh", "-c", "grep ' / ' /proc/self/mountinfo | grep -o fuse.fuse-overlayfs; id -u; stat -c %u /data/original; cat /data/replaced; ls /data/opaque; echo w > /w && chown 1000 /w && stat -c %u /w"], userRoot);
    expect(withoutWarnings(r.stderr)).toBe("");
    expect(r.stdout).toBe("fuse.fuse-overlayfs\n0\n1000\nnew\nnew\n1000\n");
    expect(daemonsUnder(userRoot)).toEqual([]);
    expect(asUser(0o666, ["rmi", "fixture:v1"], userRoot).exitCode).toBe(0);
    expect(readdirSync(join(userRoot, "data", "layers"))).toEqual([]);
  });

  test("/dev/fuse closed to the user: one line that says so, nothing left", () => {
    const userRoot = join(work, "user-root-closed");
    Bun.spawnSync(["mkdir", "-p", userRoot]);
    chownSync(userRoot, user.uid, user.gid);
    expect(asUser(0o600, ["load", "-i", archive], userRoot).exitCode).toBe(0);
    const r = asUser(0o600, ["run", "--rm", "fixture:v1", "true"], userRoot);
    expect(r.exitCode).toBe(125);
    expect(withoutWarnings(r.stderr)).toBe(
      "burrow: open /dev/fuse: Permission denied (EACCES) (fuse-overlayfs needs /dev/fuse readable and writable by this user (mode 0666, as udev makes it))",
    );
    expect(leftoverContainers(userRoot)).toEqual([]);
    expect(readdirSync(join(userRoot, "data", "containers"))).toEqual([]);
  });
});
