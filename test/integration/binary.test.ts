/**
 * The shipped executable: one file, libc only, runs from anywhere.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BURROW, busyboxRootfs } from "../helpers/burrow.ts";

describe("dist/burrow", () => {
  test("needs nothing but libc (and the dynamic loader)", () => {
    const ldd = Bun.spawnSync(["ldd", BURROW]).stdout.toString();
    const libs = ldd
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[0] ?? "")
      .filter(Boolean)
      .map((l) => l.replace(/.*\//, ""));
    for (const lib of libs) expect(lib).toMatch(/^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|ld-linux-x86-64\.so\.2)$/);
  });

  test("runs alone in an empty directory with no TMPDIR and leaves nothing there", () => {
    const dir = mkdtempSync(join(tmpdir(), "burrow-alone-"));
    const state = mkdtempSync(join(tmpdir(), "burrow-alone-state-"));
    try {
      copyFileSync(BURROW, join(dir, "burrow"));
      Bun.spawnSync(["chmod", "755", join(dir, "burrow"), state]);
      const r = Bun.spawnSync([join(dir, "burrow"), "--root", state, "run", "--rm", "--rootfs", busyboxRootfs(), "echo", "alone"], {
        cwd: dir,
        env: { PATH: "/usr/bin:/bin", TMPDIR: "/nonexistent" },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(r.stderr.toString()).toBe("");
      expect(r.stdout.toString()).toBe("alone\n");
      expect(Bun.spawnSync(["ls", "-A", dir]).stdout.toString().trim()).toBe("burrow");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    }
  });

  test("--version, --help and run --help", () => {
    const version = Bun.spawnSync([BURROW, "--version"]).stdout.toString();
    expect(version).toMatch(/^burrow version \d+\.\d+\.\d+\n$/);
    const help = Bun.spawnSync([BURROW, "--help"]).stdout.toString();
    expect(help).toContain("Usage:  burrow [OPTIONS] COMMAND");
    expect(help).toContain("run ");
    const runHelp = Bun.spawnSync([BURROW, "run", "--help"]).stdout.toString();
    expect(runHelp).toContain("Usage:  burrow run [OPTIONS]");
    for (const flag of ["--rootfs", "--volume", "--user", "--cap-add", "--init", "--network"]) expect(runHelp).toContain(flag);
  });

  test("version --json is one JSON line", () => {
    const out = Bun.spawnSync([BURROW, "version", "--json"]).stdout.toString();
    expect(JSON.parse(out).version).toMatch(/^\d+\./);
  });

  test("an unknown verb or flag: one line, exit 125", () => {
    for (const args of [["frobnicate"], ["run", "--frobnicate"]]) {
      const r = Bun.spawnSync([BURROW, ...args], { stderr: "pipe" });
      expect(r.exitCode).toBe(125);
      expect(r.stderr.toString().trim().split("\n")).toHaveLength(1);
      expect(r.stderr.toString()).toStartWith("burrow: ");
    }
  });

  test("--debug prints each launch step with its time on stderr", () => {
    const r = Bun.spawnSync([BURROW, "--debug", "--root", mkdtempSync(join(tmpdir(), "burrow-dbg-")), "run", "--rm", "--rootfs", busyboxRootfs(), "true"], {
      stderr: "pipe",
    });
    const err = r.stderr.toString();
    for (const step of ["spec built", "clone", "exec'd", "exited"]) expect(err).toMatch(new RegExp(`debug: +[\\d.]+ ms +${step}`));
  });
});
