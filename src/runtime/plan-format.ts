/**
 * The wire format of the launch plan: what TypeScript lays out and the C
 * child (c/launcher.c) executes op by op. Keep in step with c/plan.h.
 */

export const PLAN_MAGIC = 0x32575242; // "BRW2"
const HEADER_SIZE = 16; // magic, op count, clone flags

export const Op = {
  WaitSync: 1,
  Mount: 2,
  OpenRoot: 3,
  PivotRoot: 4,
  Mknod: 5,
  Symlink: 6,
  MaskPath: 7,
  ReadonlyPath: 8,
  Remount: 9,
  SetHostname: 10,
  SetDomainname: 11,
  LoopbackUp: 12,
  SetRlimit: 13,
  WriteFile: 14,
  Identity: 15,
  NoNewPrivs: 16,
  Seccomp: 17,
  Chdir: 18,
  Init: 19,
  Exec: 20,
  Setsid: 21,
  Dup2: 22,
  SetResId: 23,
  Unshare: 24,
  Setns: 25,
  Pty: 26,
  Pdeathsig: 27,
  OpenAt: 28,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export const OpFlag = { IgnoreEnoent: 0x1, SkipSetgroups: 0x1 } as const;

/** OP_MOUNT "how" bits */
export const MountHow = { InRoot: 0x1, Mkdir: 0x2, Mkfile: 0x4, RecursiveAttr: 0x8 } as const;

/** Which part of an op failed, as the child reports it. */
export const Detail = {
  None: 0,
  Target: 1,
  Remount: 2,
  Propagation: 3,
  NotInPath: 4,
  Bounding: 5,
  Setgroups: 6,
  Setgid: 7,
  Setuid: 8,
  Capset: 9,
  Ambient: 10,
} as const;

export interface PlanOp {
  code: OpCode;
  flags?: number;
  ints?: readonly (number | bigint)[];
  strs?: readonly string[];
  /** what a failure of this op is reported as: "mount /proc" */
  step: string;
  object?: string;
}

const encoder = new TextEncoder();

/** Lay the ops out as one flat buffer (8-byte aligned records) after a header with the clone flags. */
export function encodePlan(ops: readonly PlanOp[], cloneFlags: number): Uint8Array {
  const encoded = ops.map((op) => ({ op, strs: (op.strs ?? []).map((s) => encoder.encode(s)) }));
  let size = HEADER_SIZE;
  for (const { op, strs } of encoded) size += opSize(op, strs);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  view.setUint32(0, PLAN_MAGIC, true);
  view.setUint32(4, ops.length, true);
  view.setBigUint64(8, BigInt(cloneFlags), true);
  let at = HEADER_SIZE;
  for (const { op, strs } of encoded) {
    const ints = op.ints ?? [];
    const opBytes = opSize(op, strs);
    view.setUint16(at, op.code, true);
    view.setUint16(at + 2, op.flags ?? 0, true);
    view.setUint32(at + 4, opBytes, true);
    view.setUint32(at + 8, ints.length, true);
    view.setUint32(at + 12, strs.length, true);
    let p = at + 16;
    for (const v of ints) {
      view.setBigUint64(p, BigInt.asUintN(64, BigInt(v)), true);
      p += 8;
    }
    for (const s of strs) {
      if (s.includes(0)) throw new Error(`plan string contains NUL: ${new TextDecoder().decode(s)}`);
      buf.set(s, p);
      p += s.length + 1; // the NUL is already there: the buffer starts zeroed
    }
    at += opBytes;
  }
  return buf;
}

function opSize(op: PlanOp, strs: Uint8Array[]): number {
  let n = 16 + 8 * (op.ints?.length ?? 0);
  for (const s of strs) n += s.length + 1;
  return (n + 7) & ~7;
}
