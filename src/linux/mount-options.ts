/**
 * OCI mount options ("ro", "rbind", "rprivate", "size=64m") as the flags,
 * propagation and data string that mount(2) takes.
 */

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  STRICTATIME: 1 << 24,
} as const;

/** option → [flags to set, flags to clear] */
const FLAG_OPTIONS: Record<string, [set: number, clear: number]> = {
  ro: [MS.RDONLY, 0],
  rw: [0, MS.RDONLY],
  nosuid: [MS.NOSUID, 0],
  suid: [0, MS.NOSUID],
  nodev: [MS.NODEV, 0],
  dev: [0, MS.NODEV],
  noexec: [MS.NOEXEC, 0],
  exec: [0, MS.NOEXEC],
  sync: [MS.SYNCHRONOUS, 0],
  async: [0, MS.SYNCHRONOUS],
  dirsync: [MS.DIRSYNC, 0],
  remount: [MS.REMOUNT, 0],
  mand: [MS.MANDLOCK, 0],
  nomand: [0, MS.MANDLOCK],
  atime: [0, MS.NOATIME],
  noatime: [MS.NOATIME, 0],
  diratime: [0, MS.NODIRATIME],
  nodiratime: [MS.NODIRATIME, 0],
  relatime: [MS.RELATIME, 0],
  norelatime: [0, MS.RELATIME],
  strictatime: [MS.STRICTATIME, 0],
  nostrictatime: [0, MS.STRICTATIME],
  bind: [MS.BIND, 0],
  rbind: [MS.BIND | MS.REC, 0],
};

const PROPAGATION_OPTIONS: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** options that only mean something to the Docker CLI (SELinux labels, consistency) */
const IGNORED_OPTIONS = new Set(["z", "Z", "consistent", "cached", "delegated", "nocopy", "copy"]);

export interface ParsedMountOptions {
  flags: number;
  propagation: number;
  /** "rro": read-only all the way down, submounts too */
  recursiveAttributes: boolean;
  data: string;
}

export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  let flags = 0;
  let propagation = 0;
  let recursiveAttributes = false;
  const data: string[] = [];
  for (const option of options) {
    const flag = FLAG_OPTIONS[option];
    if (flag) {
      flags = (flags | flag[0]) & ~flag[1];
    } else if (option in PROPAGATION_OPTIONS) {
      propagation = PROPAGATION_OPTIONS[option]!;
    } else if (option === "rro") {
      flags |= MS.RDONLY;
      recursiveAttributes = true;
    } else if (!IGNORED_OPTIONS.has(option)) {
      data.push(option);
    }
  }
  return { flags, propagation, recursiveAttributes, data: data.join(",") };
}
