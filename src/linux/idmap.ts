/**
 * User namespace id maps: which ids a container gets, and writing them.
 *
 * root writes /proc/PID/uid_map itself. An unprivileged user may map only
 * its own id (and must deny setgroups first), unless /etc/subuid grants it a
 * range, which only the setuid helpers newuidmap/newgidmap may write.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { BurrowError, fromSystemError } from "../errors.ts";
import type { IdMapping } from "../spec/types.ts";

export interface IdMaps {
  uid: IdMapping[];
  gid: IdMapping[];
}

interface SubordinateRange {
  start: number;
  count: number;
}

/** The first range for `user` (name or uid) in /etc/subuid or /etc/subgid. */
export function subordinateRange(file: string, user: string, uid: number): SubordinateRange | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [owner, start, count] = line.trim().split(":");
    if ((owner === user || owner === String(uid)) && start && count) {
      return { start: Number(start), count: Number(count) };
    }
  }
  return undefined;
}

const HELPERS = ["/usr/bin/newuidmap", "/usr/bin/newgidmap"];

/**
 * The maps a user namespace gets when none were given: the caller becomes
 * root, and its subordinate ids (if any, and the helpers exist) fill 1..N.
 * root itself gets 0..65535 from its own subordinate range, or 100000+.
 */
export function defaultIdMaps(): IdMaps {
  const uid = process.getuid!();
  const gid = process.getgid!();
  const name = safeUserName(uid);
  const subUid = subordinateRange("/etc/subuid", name, uid);
  const subGid = subordinateRange("/etc/subgid", name, uid);
  if (uid === 0) {
    const u = subUid ?? { start: 100000, count: 65536 };
    const g = subGid ?? { start: 100000, count: 65536 };
    return {
      uid: [{ containerID: 0, hostID: u.start, size: Math.min(u.count, 65536) }],
      gid: [{ containerID: 0, hostID: g.start, size: Math.min(g.count, 65536) }],
    };
  }
  const helpers = HELPERS.every((h) => existsSync(h));
  const maps: IdMaps = {
    uid: [{ containerID: 0, hostID: uid, size: 1 }],
    gid: [{ containerID: 0, hostID: gid, size: 1 }],
  };
  if (helpers && subUid && subGid) {
    maps.uid.push({ containerID: 1, hostID: subUid.start, size: subUid.count });
    maps.gid.push({ containerID: 1, hostID: subGid.start, size: subGid.count });
  }
  return maps;
}

/** The caller's login name from /etc/passwd (Bun's os.userInfo() says "unknown" under setpriv/su). */
function safeUserName(uid: number): string {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const fields = line.split(":");
      if (fields[2] === String(uid) && fields[0]) return fields[0];
    }
  } catch {
    // no passwd file: subuid entries may still be keyed by uid
  }
  return String(uid);
}

/** "CTR:HOST:SIZE" as --uidmap/--gidmap take it. */
export function parseIdMapping(text: string, flag: string): IdMapping {
  const parts = text.split(":").map((p) => Number(p));
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new BurrowError({ step: "invalid argument", object: `${flag} ${text}`, reason: "expected CONTAINER_ID:HOST_ID:SIZE" });
  }
  return { containerID: parts[0]!, hostID: parts[1]!, size: parts[2]! };
}

/** True when these maps give the caller nothing but its own id: setgroups must be denied. */
export function needsSetgroupsDeny(maps: IdMaps): boolean {
  return process.getuid!() !== 0 && !usesHelpers(maps);
}

function usesHelpers(maps: IdMaps): boolean {
  const uid = process.getuid!();
  const gid = process.getgid!();
  const onlySelf = (m: IdMapping[], id: number) => m.length === 1 && m[0]!.hostID === id && m[0]!.size === 1;
  return !(onlySelf(maps.uid, uid) && onlySelf(maps.gid, gid));
}

function format(m: IdMapping[]): string {
  return m.map((e) => `${e.containerID} ${e.hostID} ${e.size}\n`).join("");
}

/** Write the maps of a child that waits in its new user namespace. */
export function writeIdMaps(pid: number, maps: IdMaps): void {
  if (process.getuid!() === 0 || !usesHelpers(maps)) {
    if (process.getuid!() !== 0) writeProcFile(pid, "setgroups", "deny");
    writeProcFile(pid, "uid_map", format(maps.uid));
    writeProcFile(pid, "gid_map", format(maps.gid));
    return;
  }
  runHelper("newuidmap", pid, maps.uid);
  runHelper("newgidmap", pid, maps.gid);
}

function writeProcFile(pid: number, name: string, content: string): void {
  try {
    writeFileSync(`/proc/${pid}/${name}`, content);
  } catch (err) {
    throw fromSystemError(err, "write", `/proc/${pid}/${name}`, idMapHint());
  }
}

function runHelper(helper: string, pid: number, map: IdMapping[]): void {
  const args = map.flatMap((e) => [String(e.containerID), String(e.hostID), String(e.size)]);
  const r = Bun.spawnSync([`/usr/bin/${helper}`, String(pid), ...args], { stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) {
    const why = r.stderr.toString().trim().split("\n").pop() || `exit status ${r.exitCode}`;
    throw new BurrowError({ step: helper, object: String(pid), reason: why, hint: "check /etc/subuid and /etc/subgid" });
  }
}

function idMapHint(): string {
  return "check /etc/subuid, /etc/subgid and sysctl user.max_user_namespaces";
}
