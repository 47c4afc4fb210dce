/**
 * `run -it` and `attach` driven through a real pseudo-terminal, as a person
 * at a keyboard would: prompt, window size and resize, Ctrl-C, exit codes,
 * terminal modes restored, detach and attach again.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { BURROW, burrow, busyboxRootfs, killBurrowsUnder, leftoverContainers, tempRoot } from "../helpers/burrow.ts";
import { closePty, expectOutput, openPty, resize, termios, type } from "../helpers/pty.ts";

const root = tempRoot();
const rootfs = busyboxRootfs();

afterAll(() => {
  killBurrowsUnder(root);
  burrow(["rm", "-f", ...burrow(["ps", "-aq"], { root }).stdout.split("\n").filter(Boolean)], { root });
  expect(leftoverContainers(root)).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

/** burrow in its own session with the pty as controlling terminal (setsid -c), as a shell would run it */
function spawnOnPty(pty: ReturnType<typeof openPty>, args: string[]) {
  return Bun.spawn(["setsid", "-c", BURROW, "--root", root, ...args], {
    stdio: [pty.slave, pty.slave, pty.slave],
    env: { ...process.env, TERM: "xterm-256color" },
  });
}

describe("run -it", () => {
  test("a prompt, the window size, resize, Ctrl-C, exit 3, modes restored", async () => {
    const pty = openPty(30, 100);
    const before = termios(pty.slave);
    const child = spawnOnPty(pty, ["run", "--rm", "-it", "--rootfs", rootfs, "sh"]);
    try {
      const seen = { text: "" };
      await expectOutput(pty, "# ", 10_000, seen);
      type(pty, "stty size; echo TERM=$TERM\r");
      await expectOutput(pty, /30 100[\s\S]*TERM=xterm-256color/, 10_000, seen);

      resize(pty, 40, 120);
      await Bun.sleep(200);
      type(pty, "stty size\r");
      await expectOutput(pty, "40 120", 10_000, seen);

      // Ctrl-C stops the sleep, not the shell
      type(pty, "sleep 30; echo after-sleep\r");
      await Bun.sleep(300);
      type(pty, "\x03");
      type(pty, "echo still-here\r");
      await expectOutput(pty, /still-here\r?\n/, 10_000, seen);
      // the command line itself is echoed; its output line is not there
      expect(seen.text).not.toMatch(/(^|\n)after-sleep\r?\n/);

      type(pty, "exit 3\r");
      expect(await child.exited).toBe(3);
      expect(termios(pty.slave)).toBe(before);
    } finally {
      child.kill("SIGKILL");
      closePty(pty);
    }
  });

  test("job control works in the container's shell", async () => {
    const pty = openPty();
    const child = spawnOnPty(pty, ["run", "--rm", "-it", "--rootfs", rootfs, "sh"]);
    try {
      const seen = { text: "" };
      await expectOutput(pty, "# ", 10_000, seen);
      type(pty, "sleep 30\r");
      await Bun.sleep(300);
      type(pty, "\x1a"); // Ctrl-Z
      await expectOutput(pty, /Stopped|stopped/, 10_000, seen);
      type(pty, "kill -9 %1\r");
      await Bun.sleep(200);
      // ash refuses the first exit while it still lists a job ("You have stopped jobs")
      type(pty, "exit 0\r");
      await Bun.sleep(200);
      type(pty, "exit 0\r");
      expect(await child.exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
      closePty(pty);
    }
  });

  test("-i without a terminal: EOF ends the input", () => {
    const r = burrow(["run", "--rm", "-i", "--rootfs", rootfs, "sh", "-c", "cat; echo done"], { root, stdin: "hello\n" });
    expect(r.stdout).toBe("hello\ndone\n");
  });

  test("without -i the container reads nothing", () => {
    const r = burrow(["run", "--rm", "--rootfs", rootfs, "cat"], { root, stdin: "ignored\n" });
    expect(r.stdout).toBe("");
    expect(r.exitCode).toBe(0);
  });
});

describe("attach", () => {
  test("detach with ctrl-p ctrl-q, attach again, exit code through attach", async () => {
    const id = burrow(["run", "-dit", "--name", "att", "--rootfs", rootfs, "sh"], { root }).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const first = openPty();
    const a1 = spawnOnPty(first, ["attach", "att"]);
    try {
      type(first, "echo one-$((40+2))\r");
      await expectOutput(first, "one-42");
      type(first, "\x10\x11");
      expect(await a1.exited).toBe(0);
    } finally {
      closePty(first);
    }
    expect(burrow(["ps", "--format", "json"], { root }).stdout).toContain('"State":"running"');

    const second = openPty();
    const a2 = spawnOnPty(second, ["attach", "att"]);
    try {
      type(second, "echo two-$((40+3))\r");
      await expectOutput(second, "two-43");
      type(second, "exit 7\r");
      expect(await a2.exited).toBe(7);
    } finally {
      closePty(second);
    }
    expect(burrow(["inspect", "att"], { root }).stdout).toContain('"ExitCode": 7');
    expect(burrow(["rm", "att"], { root }).exitCode).toBe(0);
  });

  test("custom --detach-keys, and bad ones", async () => {
    burrow(["run", "-dit", "--name", "keys", "--rootfs", rootfs, "sh"], { root });
    const pty = openPty();
    const a = spawnOnPty(pty, ["attach", "--detach-keys", "ctrl-a,x", "keys"]);
    try {
      type(pty, "echo in\r");
      await expectOutput(pty, "in");
      type(pty, "\x01x");
      expect(await a.exited).toBe(0);
    } finally {
      closePty(pty);
    }
    const bad = burrow(["attach", "--detach-keys", "ctrl-!", "keys"], { root });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.trim()).toBe("burrow: invalid detach keys: ctrl-!");
    expect(burrow(["rm", "-f", "keys"], { root }).exitCode).toBe(0);
  });
});
