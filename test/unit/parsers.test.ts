import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRestartPolicy } from "../../src/cli/run.ts";
import { blkioWeightToIoWeight, sharesToWeight } from "../../src/linux/cgroup/cpu-weight.ts";
import { normalizeCapability, capabilityMask } from "../../src/linux/capabilities.ts";
import { parseIdMapping, subordinateRange } from "../../src/linux/idmap.ts";
import { MS, parseMountOptions } from "../../src/linux/mount-options.ts";
import { resolveInRoot } from "../../src/linux/resolve-in-root.ts";
import { parseSignal } from "../../src/linux/signals.ts";
import { parseDetachKeys } from "../../src/runtime/attach.ts";
import { parseTmpfs, parseVolume } from "../../src/spec/from-run-options.ts";
import { chooseOverlayDriver } from "../../src/spec/overlay.ts";
import { buildResources } from "../../src/spec/resources.ts";
import { formatBytes, parseBytes } from "../../src/spec/units.ts";
import { resolveUser } from "../../src/spec/user.ts";

describe("units", () => {
  test("sizes as Docker reads them", () => {
    expect(parseBytes("64m", "-m")).toBe(64 * 2 ** 20);
    expect(parseBytes("1g", "-m")).toBe(2 ** 30);
    expect(parseBytes("512K", "-m")).toBe(512 * 1024);
    expect(parseBytes("1.5GiB", "-m")).toBe(1.5 * 2 ** 30);
    expect(parseBytes("100", "-m")).toBe(100);
    expect(() => parseBytes("lots", "-m")).toThrow('invalid size "lots"');
    expect(formatBytes(64 * 2 ** 20)).toBe("64 MiB");
  });
});

describe("cgroup conversions", () => {
  test("cpu shares → weight: the ends meet and 1024 is the default 100", () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(100);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(sharesToWeight(512)).toBeLessThan(100);
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
  });

  test("resource flags → linux.resources", () => {
    expect(buildResources({ cpus: "0.5" })).toEqual({ cpu: { period: 100000, quota: 50000 } });
    expect(buildResources({ memory: "64m", memorySwap: "-1" })!.memory).toMatchObject({ limit: 64 * 2 ** 20, swap: -1 });
    expect(buildResources({ pidsLimit: "0" })).toEqual({ pids: { limit: -1 } });
    expect(buildResources({})).toBeUndefined();
    expect(() => buildResources({ kernelMemory: "1m" })).toThrow("--kernel-memory is not supported");
  });
});

describe("mount options", () => {
  test("flags, propagation, data", () => {
    const o = parseMountOptions(["rbind", "ro", "nosuid", "rprivate", "size=1m", "mode=755", "z"]);
    expect(o.flags).toBe(MS.BIND | MS.REC | MS.RDONLY | MS.NOSUID);
    expect(o.propagation).toBe(MS.PRIVATE | MS.REC);
    expect(o.data).toBe("size=1m,mode=755");
    expect(parseMountOptions(["ro", "rw"]).flags).toBe(0);
    expect(parseMountOptions(["rro"]).recursiveAttributes).toBe(true);
  });

  test("-v and --tmpfs", () => {
    expect(parseVolume("/tmp:/data:ro")).toEqual({ destination: "/data", type: "bind", source: "/tmp", options: ["rbind", "rprivate", "ro"] });
    expect(() => parseVolume("relative:/data")).toThrow("named volumes are not supported yet");
    expect(() => parseVolume("/tmp:data")).toThrow("must be absolute");
    expect(() => parseVolume("/nonexistent-burrow:/data")).toThrow("bind mount source /nonexistent-burrow: No such file or directory (ENOENT)");
    expect(parseTmpfs("/t:size=1m").options).toEqual(["noexec", "nosuid", "nodev", "size=1m"]);
  });
});

describe("names of things", () => {
  test("capabilities", () => {
    expect(normalizeCapability("net_admin")).toBe("CAP_NET_ADMIN");
    expect(normalizeCapability("ALL")).toBe("ALL");
    expect(() => normalizeCapability("FLY")).toThrow('unknown capability "FLY"');
    expect(capabilityMask(["CAP_CHOWN", "CAP_KILL"])).toBe(0b100001n);
  });

  test("signals", () => {
    expect(parseSignal("TERM")).toBe(15);
    expect(parseSignal("sigkill")).toBe(9);
    expect(parseSignal("10")).toBe(10);
    expect(parseSignal("SIGRTMIN+3")).toBe(37);
    expect(() => parseSignal("NOPE")).toThrow("invalid signal: NOPE");
  });

  test("detach keys", () => {
    expect(parseDetachKeys("ctrl-p,ctrl-q")).toEqual([16, 17]);
    expect(parseDetachKeys("ctrl-a,x")).toEqual([1, 120]);
    expect(parseDetachKeys("ctrl-@")).toEqual([0]);
    expect(() => parseDetachKeys("ctrl-!")).toThrow("invalid detach keys");
  });

  test("restart policies", () => {
    expect(parseRestartPolicy("on-failure:3")).toEqual({ name: "on-failure", maximumRetryCount: 3 });
    expect(parseRestartPolicy("always")).toEqual({ name: "always", maximumRetryCount: undefined });
    expect(() => parseRestartPolicy("always:3")).toThrow();
    expect(() => parseRestartPolicy("sometimes")).toThrow();
  });

  test("id maps", () => {
    expect(parseIdMapping("0:100000:65536", "--uidmap")).toEqual({ containerID: 0, hostID: 100000, size: 65536 });
    expect(() => parseIdMapping("0:1", "--uidmap")).toThrow();
  });
});

describe("files in a root", () => {
  const root = mkdtempSync(join(tmpdir(), "burrow-unit-"));
  mkdirSync(join(root, "etc"));
  mkdirSync(join(root, "real"));
  symlinkSync("/etc", join(root, "abs-link"));
  symlinkSync("../../../../etc", join(root, "dotdot-link"));
  symlinkSync("loop2", join(root, "loop1"));
  symlinkSync("loop1", join(root, "loop2"));
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\nwheel:x:10:alice\nstaff:x:50:\n");

  test("symlinks never leave the root", () => {
    expect(resolveInRoot(root, "/abs-link/passwd")).toBe(join(root, "etc/passwd"));
    expect(resolveInRoot(root, "/dotdot-link/passwd")).toBe(join(root, "etc/passwd"));
    expect(resolveInRoot(root, "/../../etc/shadow")).toBe(join(root, "etc/shadow"));
    expect(resolveInRoot(root, "/missing/tail")).toBe(join(root, "missing/tail"));
    expect(() => resolveInRoot(root, "/loop1")).toThrow();
  });

  test("users and groups from the container's own files", () => {
    expect(resolveUser(root, "alice")).toEqual({ uid: 1000, gid: 1000, additionalGids: [10], home: "/home/alice" });
    expect(resolveUser(root, "alice:staff").gid).toBe(50);
    expect(resolveUser(root, "4242")).toEqual({ uid: 4242, gid: 0, additionalGids: [], home: "/" });
    expect(resolveUser(root, undefined).home).toBe("/root");
    expect(() => resolveUser(root, "nobody-here")).toThrow("unable to find user nobody-here: no matching entries in passwd file");
  });

  test("subordinate ranges", () => {
    writeFileSync(join(root, "subuid"), "alice:100000:65536\n1001:200000:1000\n");
    expect(subordinateRange(join(root, "subuid"), "alice", 1000)).toEqual({ start: 100000, count: 65536 });
    expect(subordinateRange(join(root, "subuid"), "bob", 1001)).toEqual({ start: 200000, count: 1000 });
    expect(subordinateRange(join(root, "subuid"), "carol", 1002)).toBeUndefined();
    rmSync(root, { recursive: true, force: true });
  });
});

describe("overlay driver", () => {
  test("the kernel's, except in a user namespace before Linux 5.11", () => {
    const saved = process.env.BURROW_OVERLAY;
    delete process.env.BURROW_OVERLAY;
    try {
      expect(chooseOverlayDriver(false, [4, 19])).toBe("kernel");
      expect(chooseOverlayDriver(true, [4, 19])).toBe("fuse");
      expect(chooseOverlayDriver(true, [5, 10])).toBe("fuse");
      expect(chooseOverlayDriver(true, [5, 11])).toBe("kernel");
      expect(chooseOverlayDriver(true, [6, 1])).toBe("kernel");
      process.env.BURROW_OVERLAY = "kernel";
      expect(chooseOverlayDriver(true, [4, 19])).toBe("kernel");
      process.env.BURROW_OVERLAY = "fuse";
      expect(chooseOverlayDriver(false, [6, 1])).toBe("fuse");
    } finally {
      if (saved === undefined) delete process.env.BURROW_OVERLAY;
      else process.env.BURROW_OVERLAY = saved;
    }
  });
});
