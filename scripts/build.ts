/**
 * bun run build: compile the C launcher, then one executable, dist/burrow,
 * with the launcher embedded (src/linux/launcher.ts loads it from memory).
 */
import { mkdirSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;

function run(cmd: string[]): void {
  const r = Bun.spawnSync(cmd, { cwd: root, stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) {
    console.error(`build: ${cmd.join(" ")} failed with ${r.exitCode}`);
    process.exit(1);
  }
}

mkdirSync(`${root}/c/build`, { recursive: true });
mkdirSync(`${root}/dist`, { recursive: true });
run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-o", "c/build/launcher.so", "c/launcher.c"]);
// --bytecode: precompiled JavaScript halves start-up (16 ms -> 8 ms measured).
// A runtime must not pick up .env or bunfig.toml from whatever directory it is run in.
run([
  "bun", "build", "--compile", "--bytecode", "--minify", "--sourcemap=none",
  "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
  "src/cli/main.ts", "--outfile", "dist/burrow",
]);
