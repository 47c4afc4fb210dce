import { describe, expect, test } from "bun:test";
import type { OptionDefs } from "../../src/cli/command.ts";
import { parseArgs } from "../../src/cli/options.ts";
import { BurrowError } from "../../src/errors.ts";

const defs: OptionDefs = {
  env: { type: "string", alias: "e", multiple: true },
  interactive: { type: "boolean", alias: "i" },
  tty: { type: "boolean", alias: "t" },
  detach: { type: "boolean", alias: "d" },
  rootfs: { type: "string" },
  "oom-score-adj": { type: "string" },
  rm: { type: "boolean" },
};

describe("Docker's argv rules", () => {
  test("options end at the first positional: the rest is the command's", () => {
    const a = parseArgs(["--rootfs", "/r", "sh", "-c", "echo $0", "x"], defs, true);
    expect(a.values.rootfs).toBe("/r");
    expect(a.positionals).toEqual(["sh", "-c", "echo $0", "x"]);
  });

  test("-- is accepted, never required", () => {
    expect(parseArgs(["--rm", "--", "-weird"], defs, true).positionals).toEqual(["-weird"]);
  });

  test("clusters, attached values, = values, repeated flags", () => {
    const a = parseArgs(["-dit", "-eA=1", "-e", "B=2", "--env=C=3", "--rootfs=/r"], defs, true);
    expect(a.values).toMatchObject({ detach: true, interactive: true, tty: true, env: ["A=1", "B=2", "C=3"], rootfs: "/r" });
  });

  test("a value may start with a dash", () => {
    expect(parseArgs(["--oom-score-adj", "-500"], defs).values["oom-score-adj"]).toBe("-500");
  });

  test("booleans take =true/=false", () => {
    expect(parseArgs(["--rm=false"], defs).values.rm).toBe(false);
    expect(() => parseArgs(["--rm=maybe"], defs)).toThrow(BurrowError);
  });

  test("unknown flags and missing values are usage errors with exit 125", () => {
    for (const argv of [["--nope"], ["-x"], ["--rootfs"], ["-e"]]) {
      try {
        parseArgs(argv, defs);
        throw new Error("parsed");
      } catch (err) {
        expect(err).toBeInstanceOf(BurrowError);
        expect((err as BurrowError).exitCode).toBe(125);
      }
    }
  });

  test("without stopAtPositional, flags after positionals still count", () => {
    const a = parseArgs(["one", "--rm", "two"], defs);
    expect(a.positionals).toEqual(["one", "two"]);
    expect(a.values.rm).toBe(true);
  });
});
