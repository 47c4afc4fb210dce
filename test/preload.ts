/**
 * Every test runs against the real binary: build it first when it is
 * missing or older than the sources.
 */
import { setDefaultTimeout } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const repo = new URL("..", import.meta.url).pathname;
const binary = join(repo, "dist", "burrow");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const stale = !existsSync(binary) || statSync(binary).mtimeMs < Math.max(newestSource(join(repo, "src")), newestSource(join(repo, "c")));
if (stale) {
  const r = Bun.spawnSync(["bun", "run", "build"], { cwd: repo, stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) throw new Error("bun run build failed");
}

// launches take milliseconds here but seconds in the emulated cgroup v2 guest
setDefaultTimeout(60_000);
