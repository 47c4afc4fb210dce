/**
 * A real Debian image: made once with debootstrap (from Debian's archive,
 * which this machine reaches), imported, and run with a terminal. Skipped,
 * with a note, only when the archive cannot be reached.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BURROW, burrow, killBurrowsUnder, leftoverContainers, tempRoot } from "../helpers/burrow.ts";
import { closePty, expectOutput, openPty, type } from "../helpers/pty.ts";

const root = tempRoot();
const work = mkdtempSync(join(tmpdir(), "burrow-debian-"));
let available = false;

beforeAll(() => {
  const target = join(work, "rootfs");
  const r = Bun.spawnSync(["debootstrap", "--variant=minbase", "bookworm", target, "http://deb.debian.org/debian"], { stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) {
    console.warn(`debootstrap failed, the Debian image tests are skipped: ${r.stderr.toString().trim().split("\n").pop()}`);
    return;
  }
  const tar = Bun.spawnSync(["tar", "--numeric-owner", "-C", target, "-czf", join(work, "debian.tgz"), "."]);
  expect(tar.exitCode).toBe(0);
  const imported = burrow(["import", "--change", 'CMD ["bash"]', join(work, "debian.tgz"), "debian:bookworm"], { root });
  expect(imported.exitCode).toBe(0);
  available = true;
}, 600_000);

afterAll(() => {
  killBurrowsUnder(root);
  burrow(["rm", "-f", ...burrow(["ps", "-aq"], { root }).stdout.split("\n").filter(Boolean)], { root });
  expect(leftoverContainers(root)).toEqual([]);
  rmSync(work, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

test("apt and os-release in a Debian container", () => {
  if (!available) return;
  const r = burrow(["run", "--rm", "debian:bookworm", "bash", "-c", "apt --version; cat /etc/os-release"], { root });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toMatch(/^apt \d/);
  expect(r.stdout).toContain('VERSION_CODENAME=bookworm');
});

test("run --rm -it debian bash: a prompt, a command, exit", async () => {
  if (!available) return;
  const pty = openPty(30, 100);
  const child = Bun.spawn(["setsid", "-c", BURROW, "--root", root, "run", "--rm", "-it", "debian:bookworm", "bash"], {
    stdio: [pty.slave, pty.slave, pty.slave],
    env: { ...process.env, TERM: "xterm" },
  });
  try {
    const seen = { text: "" };
    await expectOutput(pty, /root@[0-9a-f]{12}:\/# /, 20_000, seen);
    type(pty, "grep PRETTY /etc/os-release; tput cols\r");
    await expectOutput(pty, /Debian GNU\/Linux 12[\s\S]*100/, 20_000, seen);
    type(pty, "exit 5\r");
    expect(await child.exited).toBe(5);
  } finally {
    child.kill("SIGKILL");
    closePty(pty);
  }
});
