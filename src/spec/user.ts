/**
 * `-u/--user` as Docker reads it: uid[:gid] or name[:group], looked up in
 * the container's own /etc/passwd and /etc/group, with the user's
 * supplementary groups and home directory.
 */
import { readFileSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import { resolveInRoot } from "../linux/resolve-in-root.ts";

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** How the container's files are read before it exists: a directory, or an image's layers. */
export type FileReader = (path: string) => string | undefined;

export function directoryReader(rootfs: string): FileReader {
  return (path) => {
    try {
      return readFileSync(resolveInRoot(rootfs, path), "utf8");
    } catch {
      return undefined;
    }
  };
}

function readDatabase(read: FileReader, path: string): string[][] {
  try {
    const text = read(path) ?? "";
    return text
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(":"));
  } catch {
    return [];
  }
}

function passwd(read: FileReader): PasswdEntry[] {
  return readDatabase(read, "/etc/passwd")
    .filter((f) => f.length >= 7)
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! }));
}

function groups(read: FileReader): GroupEntry[] {
  return readDatabase(read, "/etc/group")
    .filter((f) => f.length >= 3)
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) }));
}

const isNumeric = (s: string) => /^\d+$/.test(s);

export function resolveUser(root: string | FileReader, spec: string | undefined, extraGroups: string[] = []): ResolvedUser {
  const read = typeof root === "string" ? directoryReader(root) : root;
  const [userPart = "", groupPart] = (spec ?? "").split(":", 2);
  const users = passwd(read);
  let entry: PasswdEntry | undefined;
  let uid = 0;
  if (userPart === "") {
    entry = users.find((u) => u.uid === 0);
  } else if (isNumeric(userPart)) {
    uid = Number(userPart);
    entry = users.find((u) => u.uid === uid);
  } else {
    entry = users.find((u) => u.name === userPart);
    if (!entry) {
      throw new BurrowError({ step: "unable to find user", object: userPart, reason: "no matching entries in passwd file" });
    }
  }
  if (entry) uid = entry.uid;
  const allGroups = groups(read);
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== "") gid = lookupGroup(allGroups, groupPart);
  const additional = new Set<number>();
  if (entry) for (const g of allGroups) if (g.members.includes(entry.name) && g.gid !== gid) additional.add(g.gid);
  for (const g of extraGroups) additional.add(lookupGroup(allGroups, g));
  const home = entry?.home || (uid === 0 ? "/root" : "/");
  return { uid, gid, additionalGids: [...additional], home };
}

function lookupGroup(all: GroupEntry[], group: string): number {
  if (isNumeric(group)) return Number(group);
  const found = all.find((g) => g.name === group);
  if (!found) throw new BurrowError({ step: "unable to find group", object: group, reason: "no matching entries in group file" });
  return found.gid;
}
