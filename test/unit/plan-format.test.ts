import { describe, expect, test } from "bun:test";
import { encodePlan, Op, PLAN_MAGIC } from "../../src/runtime/plan-format.ts";

describe("the plan's wire format (c/plan.h)", () => {
  const plan = encodePlan(
    [
      { code: Op.WaitSync, step: "wait" },
      { code: Op.Mount, flags: 1, ints: [4096, 1, -1], strs: ["src", "/dst", "", "size=1m"], step: "mount" },
    ],
    0x20020000,
  );
  const view = new DataView(plan.buffer);

  test("a header with magic, op count and clone flags", () => {
    expect(view.getUint32(0, true)).toBe(PLAN_MAGIC);
    expect(view.getUint32(4, true)).toBe(2);
    expect(view.getBigUint64(8, true)).toBe(0x20020000n);
  });

  test("each op: code, flags, size, counts, 64-bit ints, NUL-terminated strings, 8-byte aligned", () => {
    let at = 16;
    expect(view.getUint16(at, true)).toBe(Op.WaitSync);
    const first = view.getUint32(at + 4, true);
    expect(first % 8).toBe(0);
    at += first;
    expect(view.getUint16(at, true)).toBe(Op.Mount);
    expect(view.getUint16(at + 2, true)).toBe(1);
    const size = view.getUint32(at + 4, true);
    expect(size % 8).toBe(0);
    expect(view.getUint32(at + 8, true)).toBe(3);
    expect(view.getUint32(at + 12, true)).toBe(4);
    expect(view.getBigUint64(at + 16, true)).toBe(4096n);
    expect(view.getBigUint64(at + 32, true)).toBe(0xffffffffffffffffn); // -1 as unsigned
    const strings = new TextDecoder().decode(plan.subarray(at + 40, at + size));
    expect(strings.replace(/\0+$/, "").split("\0")).toEqual(["src", "/dst", "", "size=1m"]);
    expect(at + size).toBe(plan.length);
  });

  test("a string with a NUL in it is refused", () => {
    expect(() => encodePlan([{ code: Op.Chdir, strs: ["a\0b"], step: "chdir" }], 0)).toThrow();
  });
});
