/**
 * Every `run` option visibly at work inside a busybox container, and the
 * error paths: one line, Docker's exit code, nothing left.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { burrow, burrowMounts, busyboxRootfs, leftoverContainers, tempRoot } from "../helpers/burrow.ts";

const root = tempRoot();
const rootfs = busyboxRootfs();
const work = mkdtempSync(join(tmpdir(), "burrow-options-"));
const mountsBefore = burrowMounts();
const run = (...args: string[]) => burrow(["run", "--rm", "--rootfs", rootfs, ...args], { root });

afterAll(() => {
  expect(leftoverContainers(root)).toEqual([]);
  expect(burrowMounts()).toEqual(mountsBefore);
  rmSync(work, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

function expectFailure(r: { exitCode: number; stderr: string }, code: number, message: string | RegExp) {
  expect(r.exitCode).toBe(code);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toStartWith("burrow: ");
  expect(r.stderr).toMatch(message);
}

describe("environment", () => {
  test("Docker's defaults: PATH, HOSTNAME, HOME", () => {
    const r = run("--hostname", "envbox", "sh", "-c", "echo $PATH; echo $HOSTNAME; echo $HOME");
    expect(r.stdout).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nenvbox\n/root\n");
  });

  test("-e KEY=VALUE, -e KEY from the host, an unset KEY left out, --env-file", () => {
    const file = join(work, "env");
    writeFileSync(file, "# a comment\n\nFROM_FILE=yes\nOVERRIDDEN=file\n");
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "--env-file", file, "-e", "OVERRIDDEN=flag", "-e", "FROM_HOST", "-e", "NOT_SET_ANYWHERE", "sh", "-c", "echo $FROM_FILE $OVERRIDDEN $FROM_HOST; env | grep -c NOT_SET_ANYWHERE"], {
      root,
      env: { FROM_HOST: "host" },
    });
    expect(r.stdout).toBe("yes flag host\n0\n");
  });

  test("a missing --env-file: one line, 125", () => {
    expectFailure(run("--env-file", "/nonexistent-env", "true"), 125, "read env file /nonexistent-env: No such file or directory (ENOENT)");
  });
});

describe("user and working directory", () => {
  test("-u name, uid, uid:gid, name:group; supplementary groups; HOME from passwd", () => {
    // busybox's id lists the supplementary groups (getgroups), not the primary one
    expect(run("-u", "alice", "sh", "-c", "id; echo $HOME").stdout).toBe("uid=1000(alice) gid=1000(alice) groups=10(wheel),29(audio)\n/home/alice\n");
    expect(run("-u", "4242", "id", "-u").stdout).toBe("4242\n");
    expect(run("-u", "1000:29", "id", "-g").stdout).toBe("29\n");
    expect(run("-u", "alice:wheel", "id", "-gn").stdout).toBe("wheel\n");
    expect(run("--group-add", "audio", "id", "-G").stdout.trim().split(" ")).toContain("29");
  });

  test("a bad -u: one line, 125", () => {
    expectFailure(run("-u", "nobody-here", "true"), 125, "unable to find user nobody-here: no matching entries in passwd file");
    expectFailure(run("-u", "alice:nogroup-here", "true"), 125, "unable to find group nogroup-here");
  });

  test("-w sets the directory, and is made when missing; a relative one is refused", () => {
    expect(run("-w", "/tmp", "pwd").stdout).toBe("/tmp\n");
    expect(run("-w", "/made/for/me", "pwd").stdout).toBe("/made/for/me\n");
    expectFailure(run("-w", "relative", "true"), 125, "is not absolute");
  });

  test("a working directory that is a file: 126", () => {
    expectFailure(run("-w", "/etc/passwd", "true"), 126, "chdir to working directory /etc/passwd: Not a directory (ENOTDIR)");
  });
});

describe("volumes and filesystems", () => {
  test("-v read-write: a file written inside appears on the host", () => {
    const dir = mkdtempSync(join(work, "vol-"));
    expect(run("-v", `${dir}:/data`, "sh", "-c", "echo written > /data/out").exitCode).toBe(0);
    expect(readFileSync(join(dir, "out"), "utf8")).toBe("written\n");
  });

  test("-v :ro is enforced; a file can be bound; mount points are made", () => {
    const dir = mkdtempSync(join(work, "vol-"));
    writeFileSync(join(dir, "f"), "content\n");
    const r = run("-v", `${dir}:/deep/new/ro:ro`, "-v", `${join(dir, "f")}:/etc/bound`, "sh", "-c", "touch /deep/new/ro/x 2>&1; cat /etc/bound");
    expect(r.stdout).toContain("Read-only file system");
    expect(r.stdout).toContain("content");
  });

  test("mounts made inside a volume do not reach the host", () => {
    const dir = mkdtempSync(join(work, "vol-"));
    const r = run("--privileged", "-v", `${dir}:/data`, "sh", "-c", "mkdir /data/m && mount -t tmpfs none /data/m && grep -c ' /data/m ' /proc/self/mountinfo");
    expect(r.stdout).toBe("1\n");
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(join(dir, "m"));
  });

  test("bad -v: relative source, missing source, bad option", () => {
    expectFailure(run("-v", "relative:/x", "true"), 125, "named volumes are not supported yet");
    expectFailure(run("-v", "/nonexistent-burrow-src:/x", "true"), 125, "bind mount source /nonexistent-burrow-src: No such file or directory (ENOENT)");
    expectFailure(run("-v", "/tmp:/x:bogus", "true"), 125, 'unknown option "bogus"');
  });

  test("--tmpfs with and without options", () => {
    const r = run("--tmpfs", "/scratch", "--tmpfs", "/small:size=1m", "sh", "-c", "grep -E ' /(scratch|small) ' /proc/mounts");
    expect(r.stdout).toMatch(/tmpfs \/scratch tmpfs rw,nosuid,nodev,noexec/);
    expect(r.stdout).toMatch(/tmpfs \/small tmpfs [^ ]*size=1024k/);
  });

  test("--read-only: / refuses writes, /dev and /proc still work", () => {
    const r = run("--read-only", "sh", "-c", "touch /x 2>&1; echo ok > /dev/null && cat /proc/self/comm");
    expect(r.stdout).toContain("Read-only file system");
    expect(r.stdout).toContain("cat\n");
  });

  test("--rootfs /: the host read-only, a private empty /tmp", () => {
    const marker = `burrow-private-tmp-${process.pid}`;
    const r = burrow(["run", "--rm", "--rootfs", "/", "sh", "-c", `ls -A /tmp | wc -l; touch /tmp/${marker}; touch /usr/burrow-nope 2>&1`], { root });
    expect(r.stdout).toMatch(/^0\n/);
    expect(r.stdout).toContain("Read-only file system");
    expect(existsSync(`/tmp/${marker}`)).toBe(false);
  });
});

describe("security defaults", () => {
  const status = (...args: string[]) => {
    const out = run(...args, "cat", "/proc/self/status").stdout;
    const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, "m").exec(out)?.[1];
    return { eff: field("CapEff"), bnd: field("CapBnd"), nnp: field("NoNewPrivs") };
  };

  test("Docker's capability set, no_new_privs on", () => {
    expect(status()).toEqual({ eff: "00000000a80425fb", bnd: "00000000a80425fb", nnp: "1" });
  });

  test("--cap-drop ALL, --cap-add NET_ADMIN, --privileged", () => {
    expect(status("--cap-drop", "ALL").eff).toBe("0000000000000000");
    expect(BigInt(`0x${status("--cap-add", "NET_ADMIN").eff}`) & (1n << 12n)).toBe(1n << 12n);
    expect(BigInt(`0x${status("--privileged").eff}`)).toBeGreaterThan(0xa80425fbn);
    expectFailure(run("--cap-add", "FLYING", "true"), 125, 'unknown capability "FLYING"');
  });

  test("a non-root user has no effective capabilities, the bounding set stays", () => {
    expect(status("-u", "1000")).toMatchObject({ eff: "0000000000000000", bnd: "00000000a80425fb" });
  });

  test("--security-opt no-new-privileges=false", () => {
    expect(status("--security-opt", "no-new-privileges=false").nnp).toBe("0");
  });

  test("masked paths read empty; read-only paths refuse writes; --privileged has neither", () => {
    const r = run("sh", "-c", "cat /proc/keys | wc -c; ls /sys/firmware | wc -l; (echo 1 > /proc/sys/kernel/ns_last_pid) 2>&1 | grep -c Read-only");
    expect(r.stdout).toBe("0\n0\n1\n");
    expect(Number(run("--privileged", "sh", "-c", "cat /proc/keys | wc -c").stdout)).toBeGreaterThan(0);
  });
});

describe("devices and /etc", () => {
  test("/dev has the standard nodes and links, and they work", () => {
    const r = run("sh", "-c", "ls /dev | sort | tr '\\n' ' '; echo; echo x > /dev/null && head -c 4 /dev/zero | wc -c; readlink /dev/fd; readlink /dev/ptmx");
    for (const node of ["console", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"]) {
      if (node === "console") continue; // only with -t
      expect(r.stdout.split("\n")[0]).toContain(node);
    }
    expect(r.stdout).toContain("\n4\n/proc/self/fd\npts/ptmx\n");
  });

  test("/etc/hosts, --add-host, --dns", () => {
    const r = run("--add-host", "db.internal:10.1.2.3", "--dns", "9.9.9.9", "sh", "-c", "cat /etc/hosts; cat /etc/resolv.conf");
    expect(r.stdout).toContain("127.0.0.1\tlocalhost");
    expect(r.stdout).toContain("10.1.2.3\tdb.internal");
    expect(r.stdout).toContain("nameserver 9.9.9.9");
  });

  test("--ulimit (lowering), --sysctl in the container's namespace, --oom-score-adj", () => {
    expect(run("--ulimit", "nofile=512:1024", "sh", "-c", "ulimit -n").stdout).toBe("512\n");
    expect(run("--sysctl", "net.ipv4.ip_forward=1", "cat", "/proc/sys/net/ipv4/ip_forward").stdout).toBe("1\n");
    expect(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8")).not.toBe("1\n_"); // the host's is its own
    expect(run("--oom-score-adj", "500", "cat", "/proc/self/oom_score_adj").stdout).toBe("500\n");
    expectFailure(run("--ulimit", "nofile=lots", "true"), 125, 'invalid ulimit "nofile=lots"');
  });
});

describe("the command line", () => {
  test("options end at the first positional; -- is accepted", () => {
    expect(run("sh", "-c", "echo $0 $1", "x", "y").stdout).toBe("x y\n");
    expect(burrow(["run", "--rm", "--rootfs", rootfs, "--", "echo", "--not-a-flag"], { root }).stdout).toBe("--not-a-flag\n");
  });

  test("an unknown flag: one line, 125", () => {
    expectFailure(run("--frobnicate", "true"), 125, "unknown flag: --frobnicate");
  });
});
