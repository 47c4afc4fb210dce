/*
 * The launch plan: a flat buffer laid out by TypeScript (src/runtime/plan.ts)
 * and executed by the cloned child, op by op, until execve.
 *
 * Layout (little endian, every op 8-byte aligned):
 *   header  { u32 magic = PLAN_MAGIC; u32 op_count; u64 clone_flags; }
 *   op[i]   { u16 code; u16 flags; u32 size;        size of the whole op
 *             u32 nint; u32 nstr;
 *             u64 ints[nint];
 *             char strs[];  nstr NUL-terminated strings, back to back
 *             padding to 8 }
 *
 * Keep this file and src/runtime/plan-format.ts in step.
 */
#ifndef BURROW_PLAN_H
#define BURROW_PLAN_H

#define PLAN_MAGIC 0x32575242u /* "BRW2" */
#define PLAN_HEADER_SIZE 16

enum plan_op {
  OP_WAIT_SYNC = 1,     /* block until the parent says go                    */
  OP_MOUNT = 2,         /* ints: flags, how, propagation; strs: src, target, fstype, data */
  OP_OPEN_ROOT = 3,     /* strs: rootfs path; later in-root targets resolve under it */
  OP_PIVOT_ROOT = 4,    /* strs: rootfs path                                 */
  OP_MKNOD = 5,         /* ints: mode, dev, uid, gid; strs: path            */
  OP_SYMLINK = 6,       /* strs: target, linkpath                            */
  OP_MASK_PATH = 7,     /* strs: path                                        */
  OP_READONLY_PATH = 8, /* strs: path                                        */
  OP_REMOUNT = 9,       /* ints: attr flags (MS_*), recursive; strs: path    */
  OP_SETHOSTNAME = 10,  /* strs: name                                        */
  OP_SETDOMAINNAME = 11,/* strs: name                                        */
  OP_LOOPBACK_UP = 12,
  OP_SETRLIMIT = 13,    /* ints: resource, soft, hard                        */
  OP_WRITE_FILE = 14,   /* strs: path, content                               */
  OP_IDENTITY = 15,     /* ints: uid, gid, bounding, effective, permitted,
                           inheritable, ambient, last_cap, ngroups, groups... */
  OP_NO_NEW_PRIVS = 16,
  OP_SECCOMP = 17,      /* ints: filter length (in sock_filter); strs: raw bytes */
  OP_CHDIR = 18,        /* strs: path                                        */
  OP_INIT = 19,         /* fork: the parent stays as PID 1, reaps, forwards  */
  OP_EXEC = 20,         /* ints: argc, envc[, first fd closed (default 3)];
                           strs: file, PATH, argv..., env... */
  OP_SETSID = 21,       /* new session; with ints[0] = fd, make it the controlling tty */
  OP_DUP2 = 22,         /* ints: from, to                                    */
  OP_SETRESID = 23,     /* ints: uid, gid: become this id, capabilities kept */
  OP_UNSHARE = 24,      /* ints: CLONE_NEW* flags                           */
  OP_SETNS = 25,        /* ints: fd (a pidfd or /proc/PID/ns file), CLONE_NEW* flags */
  OP_PTY = 26,          /* ints: socket fd, uid, gid: a pty from the container's
                           devpts; the master goes to the parent over the socket,
                           the slave becomes stdio, /dev/console, controlling tty */
  OP_PDEATHSIG = 27,    /* ints: signal sent to the child when its parent dies */
  OP_OPEN_AT = 28,      /* ints: fd; strs: path: open it read-write as exactly
                           this fd, kept across exec (a helper's /dev/fuse) */
};

/* op flags */
#define OPF_IGNORE_ENOENT 0x1 /* a missing object is not an error          */

/* OP_MOUNT "how" bits */
#define MNT_IN_ROOT 0x1   /* target is relative to the root opened by OP_OPEN_ROOT */
#define MNT_MKDIR 0x2     /* create the target directory (and parents)    */
#define MNT_MKFILE 0x4    /* create the target as an empty file (parents too) */
#define MNT_RECURSIVE_ATTR 0x8 /* apply ro/nosuid/... to the whole bind tree */

/* OP_IDENTITY flags */
#define IDF_SKIP_SETGROUPS 0x1 /* setgroups is denied in this user namespace */

/* what the child writes to the error pipe when a step fails */
struct plan_error {
  int op_index; /* which op failed                                        */
  int err;      /* errno                                                  */
  int detail;   /* op specific: which part of the op failed               */
};

/* detail values */
#define DETAIL_NONE 0
#define DETAIL_TARGET 1   /* resolving or creating a mount target         */
#define DETAIL_REMOUNT 2  /* applying flags after a bind mount            */
#define DETAIL_PROPAGATION 3
#define DETAIL_NOT_IN_PATH 4 /* exec: no such command in $PATH            */
#define DETAIL_BOUNDING 5
#define DETAIL_SETGROUPS 6
#define DETAIL_SETGID 7
#define DETAIL_SETUID 8
#define DETAIL_CAPSET 9
#define DETAIL_AMBIENT 10

#endif
