import { describe, expect, test } from "bun:test";
import { buildPlan, CLONE_FLAGS } from "../../src/runtime/plan.ts";
import { Op } from "../../src/runtime/plan-format.ts";
import { defaultDevices, defaultMounts } from "../../src/spec/defaults.ts";
import type { NamespaceType, Spec } from "../../src/spec/types.ts";

function spec(namespaces: NamespaceType[]): Spec {
  return {
    ociVersion: "1.2.0",
    process: { user: { uid: 0, gid: 0 }, args: ["sh"], env: ["PATH=/bin"], cwd: "/" },
    root: { path: "/rootfs" },
    hostname: "box",
    mounts: defaultMounts(),
    linux: { namespaces: namespaces.map((type) => ({ type })), devices: defaultDevices(), maskedPaths: ["/proc/kcore"], readonlyPaths: ["/proc/sys"] },
  };
}

const codes = (s: Spec, ctx = {}) => buildPlan(s, { rootMountpoint: "/state/rootfs", ...ctx }).ops.map((o) => o.code);

describe("spec → plan", () => {
  test("clone flags: every new namespace but cgroup, which is unshared after the cgroup join", () => {
    const plan = buildPlan(spec(["mount", "pid", "network", "ipc", "uts", "cgroup"]), { rootMountpoint: "/m" });
    expect(plan.cloneFlags).toBe(CLONE_FLAGS.mount | CLONE_FLAGS.pid | CLONE_FLAGS.network | CLONE_FLAGS.ipc | CLONE_FLAGS.uts);
    const ops = plan.ops.map((o) => o.code);
    expect(ops[0]).toBe(Op.WaitSync);
    expect(ops.indexOf(Op.Unshare)).toBeGreaterThan(ops.indexOf(Op.WaitSync));
    expect(ops.indexOf(Op.Unshare)).toBeLessThan(ops.indexOf(Op.Mount));
  });

  test("mounts, then pivot_root, then devices, masks and read-only paths; exec last", () => {
    const ops = codes(spec(["mount", "pid"]));
    const pivot = ops.indexOf(Op.PivotRoot);
    expect(ops.lastIndexOf(Op.Mount)).toBeLessThan(pivot);
    expect(ops.indexOf(Op.Mknod)).toBeGreaterThan(pivot);
    expect(ops.indexOf(Op.MaskPath)).toBeGreaterThan(pivot);
    expect(ops.indexOf(Op.ReadonlyPath)).toBeGreaterThan(ops.indexOf(Op.MaskPath));
    expect(ops.at(-1)).toBe(Op.Exec);
    expect(ops.at(-2)).not.toBe(Op.Init);
  });

  test("--init forks right before exec; a foreground run dies with its parent", () => {
    const ops = codes(spec(["mount", "pid"]), { init: true, dieWithParent: true });
    expect(ops.at(-2)).toBe(Op.Init);
    expect(ops[0]).toBe(Op.Pdeathsig);
  });

  test("a user namespace: become its root first, bind devices instead of mknod", () => {
    const s = spec(["mount", "user"]);
    const ops = codes(s);
    expect(ops[1]).toBe(Op.SetResId);
    expect(ops).not.toContain(Op.Mknod);
    const plan = buildPlan(s, { rootMountpoint: "/m" });
    // no pid namespace of its own: /proc is the host's, bound
    const proc = plan.ops.find((o) => o.code === Op.Mount && o.object === "/proc")!;
    expect(proc.strs![0]).toBe("/proc");
    expect(proc.strs![2]).toBe("");
  });

  test("a spec without a mount namespace is refused", () => {
    expect(() => buildPlan(spec(["pid"]), { rootMountpoint: "/m" })).toThrow("own mount namespace");
  });
});
