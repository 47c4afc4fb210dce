/**
 * Unprivileged users for rootless tests, made once per machine: with a
 * subordinate id range (a normal user) or without (a system user).
 */
export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function ensureUser(name: string, system: boolean): TestUser {
  if (Bun.spawnSync(["id", "-u", name]).exitCode !== 0) {
    const args = system ? ["useradd", "-r", "-m", "-s", "/bin/sh", name] : ["useradd", "-m", "-s", "/bin/sh", name];
    const r = Bun.spawnSync(args, { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`useradd ${name}: ${r.stderr}`);
  }
  const id = (flag: string) => Number(Bun.spawnSync(["id", flag, name]).stdout.toString().trim());
  const home = Bun.spawnSync(["sh", "-c", `getent passwd ${name} | cut -d: -f6`]).stdout.toString().trim();
  return { name, uid: id("-u"), gid: id("-g"), home };
}

/** stderr without the warning an unprivileged user gets once on a host with nothing delegated */
export const withoutWarnings = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => l && !l.startsWith("burrow: warning: running without a cgroup"))
    .join("\n");
