/**
 * Test helpers: run the built binary, build a busybox rootfs, and check
 * that nothing is left behind (mounts, state dirs, processes).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const BURROW = join(REPO, "dist", "burrow");

export interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOpts {
  root?: string;
  stdin?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** run as this user (via setpriv), for rootless tests */
  asUser?: { uid: number; gid: number; home: string };
  timeoutMs?: number;
}

/** Run `burrow ARGS` synchronously and collect its output. */
export function burrow(args: string[], opts: RunOpts = {}): Result {
  const global = opts.root ? ["--root", opts.root] : [];
  let cmd = [BURROW, ...global, ...args];
  if (opts.asUser) {
    const { uid, gid } = opts.asUser;
    cmd = ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--init-groups", ...cmd];
  }
  const env = opts.asUser ? { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: opts.asUser.home, ...opts.env } : { ...process.env, ...opts.env };
  const r = Bun.spawnSync(cmd, {
    stdin: opts.stdin !== undefined ? Buffer.from(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env,
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 30_000,
  });
  return { exitCode: r.exitCode ?? 128 + (r.signalCode ? 9 : 0), stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Start `burrow ARGS` without waiting (for signal tests). */
export function burrowAsync(args: string[], opts: RunOpts = {}) {
  const global = opts.root ? ["--root", opts.root] : [];
  return Bun.spawn([BURROW, ...global, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
}

let busybox: string | undefined;

/**
 * A busybox-static root filesystem, built once per test process from the
 * Debian package's binary (/bin/busybox), with a passwd and group file.
 */
export function busyboxRootfs(): string {
  if (busybox && existsSync(busybox)) return busybox;
  const dir = mkdtempSync(join(tmpdir(), "burrow-test-rootfs-"));
  chmodSync(dir, 0o755); // reachable by a user namespace's root and by the rootless test user
  makeBusyboxRootfs(dir);
  busybox = dir;
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function makeBusyboxRootfs(dir: string): void {
  const source = ["/bin/busybox", "/usr/bin/busybox"].find((p) => existsSync(p));
  if (!source) throw new Error("busybox-static is not installed (apt-get install busybox-static)");
  for (const d of ["bin", "proc", "sys", "dev", "tmp", "etc", "root", "home/alice", "var"]) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, "tmp"), 0o1777);
  copyFileSync(source, join(dir, "bin/busybox"));
  chmodSync(join(dir, "bin/busybox"), 0o755);
  const list = Bun.spawnSync([source, "--list"]).stdout.toString().split("\n").filter(Boolean);
  for (const applet of list) if (applet !== "busybox") symlinkSync("busybox", join(dir, "bin", applet));
  writeFileSync(
    join(dir, "etc/passwd"),
    ["root:x:0:0:root:/root:/bin/sh", "alice:x:1000:1000:alice:/home/alice:/bin/sh", "nobody:x:65534:65534:nobody:/nonexistent:/bin/false", ""].join("\n"),
  );
  writeFileSync(join(dir, "etc/group"), ["root:x:0:", "tty:x:5:", "wheel:x:10:alice", "audio:x:29:alice", "alice:x:1000:", "nogroup:x:65534:", ""].join("\n"));
}

/** A fresh --root for one test file, removed (and checked empty) by the caller. */
export function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), "burrow-test-root-"));
  chmodSync(dir, 0o755); // a user namespace's root must reach the state files it mounts
  return dir;
}

/** Mounts in the host's mount namespace whose path mentions burrow. */
export function burrowMounts(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => l.includes("burrow"));
}

/** Container state dirs left under a --root. */
export function leftoverContainers(root: string): string[] {
  try {
    return readdirSync(join(root, "run", "containers"));
  } catch {
    return [];
  }
}

/** Processes (other than tests) whose command line runs the test binary. */
export function strayBurrowProcesses(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.startsWith(BURROW) || cmdline.includes("burrow-test-rootfs")) out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * End every burrow process a test started under its own --root (a test
 * that failed half-way may leave some behind; setsid(1) can fork, so the
 * pid the test holds is not always burrow's).
 */
export function killBurrowsUnder(root: string): void {
  Bun.spawnSync(["pkill", "-KILL", "-f", `${BURROW} --root ${root} `]);
}

/**
 * Run burrow without blocking this process: for tests that serve something
 * to it from here (a fake registry), which spawnSync would starve.
 */
export async function burrowAwait(args: string[], opts: { root?: string } = {}): Promise<Result> {
  const child = Bun.spawn([BURROW, ...(opts.root ? ["--root", opts.root] : []), ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}
