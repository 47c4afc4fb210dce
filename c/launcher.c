/*
 * burrow's launcher: the only code that runs between clone() and execve().
 *
 * The parent (Bun) calls burrow_spawn() with a plan laid out by TypeScript
 * (see plan.h). The child is a copy of a multithreaded process, so from
 * clone() to execve() it may use only async-signal-safe calls: no malloc, no
 * stdio, no locks, and raw syscalls where glibc would talk to other threads
 * (setresuid & co. broadcast to every thread; fork() takes malloc locks).
 * Every decision is made in TypeScript; this file only carries it out and,
 * on failure, reports {op index, errno, detail} on the error pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "plan.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#define STACK_SIZE (8u << 20)
#define PATH_BUF 4096

struct mount_attr_arg {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* ---------- tiny string helpers (libc's are not promised to be signal-safe) */

static size_t str_len(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

static int has_slash(const char *s) {
  for (; *s; s++)
    if (*s == '/') return 1;
  return 0;
}

/* "/proc/self/fd/N" into buf (at least 32 bytes) */
static const char *fd_path(char *buf, int fd) {
  const char *prefix = "/proc/self/fd/";
  char digits[12];
  int n = 0, i = 0;
  do {
    digits[n++] = (char)('0' + fd % 10);
    fd /= 10;
  } while (fd > 0);
  for (; prefix[i]; i++) buf[i] = prefix[i];
  while (n > 0) buf[i++] = digits[--n];
  buf[i] = 0;
  return buf;
}

/* ---------- the plan */

struct op {
  uint16_t code, flags;
  uint32_t nint, nstr;
  const uint64_t *ints;
  const char *strs[8]; /* first strings; exec walks the rest itself */
  const char *rest;    /* the strings, from the first one */
};

static const uint8_t *read_op(const uint8_t *p, struct op *op) {
  uint32_t size = *(const uint32_t *)(p + 4);
  const char *s;
  op->code = *(const uint16_t *)p;
  op->flags = *(const uint16_t *)(p + 2);
  op->nint = *(const uint32_t *)(p + 8);
  op->nstr = *(const uint32_t *)(p + 12);
  op->ints = (const uint64_t *)(p + 16);
  s = (const char *)(op->ints + op->nint);
  op->rest = s;
  for (uint32_t i = 0; i < op->nstr && i < 8; i++) {
    op->strs[i] = s;
    s += str_len(s) + 1;
  }
  return p + size;
}

/* an empty string stands for NULL (mount source, fstype, data) */
static const char *or_null(const char *s) { return s && *s ? s : 0; }

/* ---------- state of the child while it runs the plan */

struct child_args {
  const uint8_t *plan;
  int sync_fd; /* read end: the parent writes one byte when we may go on */
  int err_fd;  /* write end, CLOEXEC: EOF at execve means success */
  int root_fd; /* O_PATH of the container root, for in-root resolution */
};

static struct child_args g_child;

static void report(int op_index, int err, int detail) {
  struct plan_error e = {op_index, err, detail};
  ssize_t r = write(g_child.err_fd, &e, sizeof e);
  (void)r;
}

/* ---------- paths inside the container root, safe against symlinks */

static int open_in_root(const char *rel, int flags) {
  struct open_how how = {0};
  how.flags = (uint64_t)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  while (*rel == '/') rel++;
  if (!*rel) rel = ".";
  return (int)syscall(SYS_openat2, g_child.root_fd, rel, &how, sizeof how);
}

/* mkdir -p under the root; the last component becomes a file if as_file */
static int make_in_root(const char *rel, int as_file) {
  char buf[PATH_BUF];
  size_t n = str_len(rel), i, last_slash = 0;
  if (n + 1 >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (i = 0; i <= n; i++) buf[i] = rel[i];
  for (i = 1; i <= n; i++) {
    char saved = buf[i];
    int fd;
    if (saved != '/' && saved != 0) continue;
    if (buf[i - 1] == '/') { /* empty component: "//" */
      last_slash = i;
      continue;
    }
    buf[i] = 0;
    fd = open_in_root(buf, O_PATH);
    if (fd >= 0) {
      close(fd);
    } else if (errno == ENOENT) {
      const char *name = buf + last_slash + (buf[last_slash] == '/' ? 1 : 0);
      int parent, r;
      if (last_slash == 0) {
        parent = open_in_root(".", O_PATH | O_DIRECTORY);
      } else {
        buf[last_slash] = 0;
        parent = open_in_root(buf, O_PATH | O_DIRECTORY);
        buf[last_slash] = '/';
      }
      if (parent < 0) return -1;
      if (saved == 0 && as_file) {
        r = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (r >= 0) close(r);
        else if (errno == EEXIST) r = 0;
      } else {
        r = mkdirat(parent, name, 0755);
        if (r < 0 && errno == EEXIST) r = 0;
      }
      close(parent);
      if (r < 0) return -1;
    } else {
      return -1;
    }
    buf[i] = saved;
    last_slash = i;
  }
  return 0;
}

/* ---------- mounts */

#define ATTR_MASK (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
#define PROPAGATION_MASK (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* flags a user namespace may not clear on a mount it did not make */
static unsigned long locked_flags(const char *path) {
  struct statfs sf;
  unsigned long f = 0;
  if (statfs(path, &sf) < 0) return 0;
  if (sf.f_flags & ST_RDONLY) f |= MS_RDONLY;
  if (sf.f_flags & ST_NOSUID) f |= MS_NOSUID;
  if (sf.f_flags & ST_NODEV) f |= MS_NODEV;
  if (sf.f_flags & ST_NOEXEC) f |= MS_NOEXEC;
  if (sf.f_flags & ST_NOATIME) f |= MS_NOATIME;
  if (sf.f_flags & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sf.f_flags & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

static uint64_t mount_attrs(unsigned long ms) {
  uint64_t a = 0;
  if (ms & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (ms & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
  if (ms & MS_NODEV) a |= MOUNT_ATTR_NODEV;
  if (ms & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
  return a;
}

/* apply ro/nosuid/... to an existing (bind) mount, optionally to its whole tree */
static int remount(const char *path, unsigned long attrs, int recursive) {
  if (recursive) {
    struct mount_attr_arg a = {0};
    a.attr_set = mount_attrs(attrs);
    if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &a, sizeof a) == 0) return 0;
    if (errno != ENOSYS) return -1;
  }
  return mount(0, path, 0, MS_BIND | MS_REMOUNT | attrs | locked_flags(path), 0);
}

static int do_mount(const struct op *op, int *detail) {
  unsigned long flags = (unsigned long)op->ints[0];
  uint64_t how = op->ints[1];
  unsigned long propagation = (unsigned long)op->ints[2];
  const char *src = or_null(op->strs[0]), *target = op->strs[1];
  const char *fstype = or_null(op->strs[2]), *data = or_null(op->strs[3]);
  char procbuf[32];
  const char *dest = target;
  int fd = -1, r;

  if (how & MNT_IN_ROOT) {
    *detail = DETAIL_TARGET;
    if ((how & (MNT_MKDIR | MNT_MKFILE)) && make_in_root(target, (how & MNT_MKFILE) != 0) < 0) return -1;
    fd = open_in_root(target, O_PATH);
    if (fd < 0) return -1;
    dest = fd_path(procbuf, fd);
  }
  *detail = DETAIL_NONE;
  r = 0;
  if (flags & MS_BIND) {
    r = mount(src, dest, fstype, MS_BIND | (flags & MS_REC), data);
  } else if (fstype) {
    r = mount(src, dest, fstype, flags & ~PROPAGATION_MASK, data);
  } /* else: only the propagation changes */
  if (fd >= 0) close(fd);
  if (r < 0) return -1;

  /* the magic link names the covered directory: open again to reach the new mount */
  if (how & MNT_IN_ROOT) {
    fd = open_in_root(target, O_PATH);
    if (fd < 0) return -1;
    dest = fd_path(procbuf, fd);
  }
  if ((flags & MS_BIND) && (flags & ATTR_MASK)) {
    *detail = DETAIL_REMOUNT;
    r = remount(dest, flags & ATTR_MASK, (how & MNT_RECURSIVE_ATTR) != 0);
  }
  if (r == 0 && propagation) {
    *detail = DETAIL_PROPAGATION;
    r = mount(0, dest, 0, propagation, 0);
  }
  if (fd >= 0) close(fd);
  return r;
}

static int pivot_into(const char *rootfs) {
  if (chdir(rootfs) < 0) return -1;
  if (syscall(SYS_pivot_root, ".", ".") < 0) return -1;
  /* the old root now sits on top of the new one: detach it */
  if (umount2(".", MNT_DETACH) < 0) return -1;
  if (chdir("/") < 0) return -1;
  if (g_child.root_fd >= 0) close(g_child.root_fd);
  g_child.root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  return g_child.root_fd < 0 ? -1 : 0;
}

static int mask_path(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  if (S_ISDIR(st.st_mode)) return mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0");
  return mount("/dev/null", path, 0, MS_BIND, 0);
}

static int readonly_path(const char *path) {
  if (mount(path, path, 0, MS_BIND | MS_REC, 0) < 0) return -1;
  return remount(path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
}

/* ---------- terminal */

/* async-signal-safe, no libc helpers: the child runs it before execve */
static int child_send_fd(int sock, int fd) {
  char dummy = 'f';
  struct iovec iov = {&dummy, 1};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } u;
  struct msghdr msg = {0};
  struct cmsghdr *c;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof u.buf;
  c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  *(int *)CMSG_DATA(c) = fd;
  return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/*
 * A pseudo-terminal from the container's own devpts (after pivot_root): the
 * master goes to whoever holds the other end of the socket, the slave becomes
 * the session's controlling terminal, stdio and /dev/console.
 */
static int setup_pty(const struct op *op, int *detail) {
  int sock = (int)op->ints[0], unlock = 0, n = 0, master, slave;
  char path[32] = "/dev/pts/";
  master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return -1;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) return -1;
  slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) return -1;
  if (fchown(slave, (uid_t)op->ints[1], (gid_t)op->ints[2]) < 0) return -1;
  {
    /* the caller's window size from the start, before the command can ask */
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0) ioctl(slave, TIOCSWINSZ, &ws);
  }
  {
    char digits[12];
    int k = 0, i = 9;
    do {
      digits[k++] = (char)('0' + n % 10);
      n /= 10;
    } while (n > 0);
    while (k > 0) path[i++] = digits[--k];
    path[i] = 0;
  }
  *detail = DETAIL_TARGET;
  n = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (n >= 0) close(n);
  if (mount(path, "/dev/console", 0, MS_BIND, 0) < 0) return -1;
  *detail = DETAIL_NONE;
  if (child_send_fd(sock, master) < 0) return -1;
  close(master);
  close(sock);
  if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) return -1;
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) return -1;
  if (slave > 2) close(slave);
  return 0;
}

/* ---------- processes and identity */

static int loopback_up(void) {
  struct ifreq ifr = {0};
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;
  if (s < 0) return -1;
  ifr.ifr_name[0] = 'l';
  ifr.ifr_name[1] = 'o';
  r = ioctl(s, SIOCGIFFLAGS, &ifr);
  if (r == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    r = ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  close(s);
  return r;
}

static int write_file(const char *path, const char *content) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  ssize_t n, len = (ssize_t)str_len(content);
  if (fd < 0) return -1;
  n = write(fd, content, (size_t)len);
  close(fd);
  return n == len ? 0 : -1;
}

static int set_identity(const struct op *op, int *detail) {
  uint64_t uid = op->ints[0], gid = op->ints[1], bounding = op->ints[2];
  uint64_t effective = op->ints[3], permitted = op->ints[4], inheritable = op->ints[5];
  uint64_t ambient = op->ints[6], last_cap = op->ints[7], ngroups = op->ints[8];
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  gid_t groups[ngroups > 0 ? ngroups : 1];

  *detail = DETAIL_BOUNDING;
  for (uint64_t cap = 0; cap <= last_cap; cap++)
    if (!(bounding & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) return -1;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return -1;

  /* raw syscalls: glibc's wrappers would signal threads that exist only in the parent */
  if (!(op->flags & IDF_SKIP_SETGROUPS)) {
    *detail = DETAIL_SETGROUPS;
    for (uint64_t i = 0; i < ngroups; i++) groups[i] = (gid_t)op->ints[9 + i];
    if (syscall(SYS_setgroups, (size_t)ngroups, groups) < 0) return -1;
  }
  *detail = DETAIL_SETGID;
  if (syscall(SYS_setresgid, (gid_t)gid, (gid_t)gid, (gid_t)gid) < 0) return -1;
  *detail = DETAIL_SETUID;
  if (syscall(SYS_setresuid, (uid_t)uid, (uid_t)uid, (uid_t)uid) < 0) return -1;
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return -1;

  *detail = DETAIL_CAPSET;
  data[0].effective = (uint32_t)effective;
  data[1].effective = (uint32_t)(effective >> 32);
  data[0].permitted = (uint32_t)permitted;
  data[1].permitted = (uint32_t)(permitted >> 32);
  data[0].inheritable = (uint32_t)inheritable;
  data[1].inheritable = (uint32_t)(inheritable >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0) return -1;

  *detail = DETAIL_AMBIENT;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -1;
  for (uint64_t cap = 0; cap <= last_cap; cap++)
    if ((ambient & (1ull << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) return -1;
  *detail = DETAIL_NONE;
  return 0;
}

static int install_seccomp(const struct op *op) {
  struct {
    unsigned short len;
    const void *filter;
  } prog = {(unsigned short)op->ints[0], op->ints + 1};
  return prctl(PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, &prog, 0, 0);
}

static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

/*
 * --init: fork; the parent stays as PID 1 of the container, forwards every
 * signal it gets to the command and reaps every zombie, and exits with the
 * command's status. The child returns and goes on with the plan.
 */
static int become_init(void) {
  sigset_t all;
  pid_t child = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); /* fork without glibc's locks */
  if (child < 0) return -1;
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    return 0;
  }
  /* the error pipe must reach EOF when the command execs, so init lets go of it */
  syscall(SYS_close_range, 3, ~0U, 0);
  prctl(PR_SET_NAME, "burrow-init", 0, 0, 0);
  sigfillset(&all);
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig == SIGCHLD) {
      int status;
      pid_t w;
      while ((w = waitpid(-1, &status, WNOHANG)) > 0)
        if (w == child) _exit(exit_code_of(status));
      continue;
    }
    kill(child, sig);
  }
}

static void reset_signals(void) {
  struct sigaction dfl = {0};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, 0); /* errors for KILL/STOP don't matter */
}

/* execve, searching $PATH like execvp when the name has no slash */
static int exec_command(const struct op *op, int *detail) {
  uint64_t argc = op->ints[0], envc = op->ints[1];
  const char *file = op->strs[0], *path = op->strs[1];
  const char *s = op->strs[1] + str_len(op->strs[1]) + 1;
  char *argv[argc + 1], *envp[envc + 1];
  char buf[PATH_BUF];
  sigset_t none;
  int saw_eacces = 0;

  for (uint64_t i = 0; i < argc; i++, s += str_len(s) + 1) argv[i] = (char *)s;
  argv[argc] = 0;
  for (uint64_t i = 0; i < envc; i++, s += str_len(s) + 1) envp[i] = (char *)s;
  envp[envc] = 0;

  /* only 0, 1, 2 (and fds an OP_OPEN_AT placed below ints[2]) cross into
     the command; CLOEXEC keeps the error pipe until exec */
  syscall(SYS_close_range, op->nint > 2 ? (unsigned)op->ints[2] : 3, ~0U, CLOSE_RANGE_CLOEXEC);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, 0);

  if (has_slash(file)) {
    execve(file, argv, envp);
    return -1;
  }
  while (*path) {
    const char *end = path;
    size_t dl, fl = str_len(file), k = 0;
    while (*end && *end != ':') end++;
    dl = (size_t)(end - path);
    if (dl + fl + 2 < sizeof buf) {
      for (size_t i = 0; i < dl; i++) buf[k++] = path[i];
      if (dl == 0) buf[k++] = '.';
      buf[k++] = '/';
      for (size_t i = 0; i <= fl; i++) buf[k++] = file[i];
      execve(buf, argv, envp);
      if (errno == EACCES) saw_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR) return -1;
    }
    path = *end ? end + 1 : end;
  }
  errno = saw_eacces ? EACCES : ENOENT;
  *detail = DETAIL_NOT_IN_PATH;
  return -1;
}

/* move one of the launcher's own fds off a number the plan wants */
static int move_off(int *fd, int wanted) {
  if (*fd != wanted) return 0;
  *fd = fcntl(wanted, F_DUPFD_CLOEXEC, wanted + 1);
  return *fd < 0 ? -1 : 0;
}

/* open a file read-write as exactly fd `wanted`, inherited by the command */
static int open_at_fd(const struct op *op) {
  int wanted = (int)op->ints[0], fd;
  if (move_off(&g_child.err_fd, wanted) < 0 || move_off(&g_child.sync_fd, wanted) < 0 || move_off(&g_child.root_fd, wanted) < 0)
    return -1;
  fd = open(op->strs[0], O_RDWR | O_NOCTTY);
  if (fd < 0 || fd == wanted) return fd < 0 ? -1 : 0;
  if (dup2(fd, wanted) < 0) return -1;
  close(fd);
  return 0;
}

static int run_op(const struct op *op, int *detail) {
  const char *const *s = op->strs;
  char c;
  switch (op->code) {
  case OP_WAIT_SYNC:
    if (read(g_child.sync_fd, &c, 1) != 1) _exit(125); /* the parent gave up: it reports */
    close(g_child.sync_fd);
    return 0;
  case OP_MOUNT:
    return do_mount(op, detail);
  case OP_OPEN_ROOT:
    g_child.root_fd = open(s[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
    return g_child.root_fd < 0 ? -1 : 0;
  case OP_PIVOT_ROOT:
    return pivot_into(s[0]);
  case OP_MKNOD:
    if (mknod(s[0], (mode_t)op->ints[0], (dev_t)op->ints[1]) < 0 && errno != EEXIST) return -1;
    if (chmod(s[0], (mode_t)op->ints[0] & 07777) < 0) return -1;
    return chown(s[0], (uid_t)op->ints[2], (gid_t)op->ints[3]);
  case OP_SYMLINK:
    return symlink(s[0], s[1]) < 0 && errno != EEXIST ? -1 : 0;
  case OP_MASK_PATH:
    return mask_path(s[0]);
  case OP_READONLY_PATH:
    return readonly_path(s[0]);
  case OP_REMOUNT:
    return remount(s[0], (unsigned long)op->ints[0], (int)op->ints[1]);
  case OP_SETHOSTNAME:
    return sethostname(s[0], str_len(s[0]));
  case OP_SETDOMAINNAME:
    return setdomainname(s[0], str_len(s[0]));
  case OP_LOOPBACK_UP:
    return loopback_up();
  case OP_SETRLIMIT: {
    struct rlimit lim = {(rlim_t)op->ints[1], (rlim_t)op->ints[2]};
    return setrlimit((int)op->ints[0], &lim);
  }
  case OP_WRITE_FILE:
    return write_file(s[0], s[1]);
  case OP_IDENTITY:
    return set_identity(op, detail);
  case OP_NO_NEW_PRIVS:
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  case OP_SECCOMP:
    return install_seccomp(op);
  case OP_CHDIR:
    return chdir(s[0]);
  case OP_INIT:
    return become_init();
  case OP_SETSID:
    if (setsid() < 0) return -1;
    return op->nint > 0 ? ioctl((int)op->ints[0], TIOCSCTTY, 0) : 0;
  case OP_DUP2:
    return dup2((int)op->ints[0], (int)op->ints[1]) < 0 ? -1 : 0;
  case OP_SETRESID:
    if (syscall(SYS_setresgid, (gid_t)op->ints[1], (gid_t)op->ints[1], (gid_t)op->ints[1]) < 0) return -1;
    return (int)syscall(SYS_setresuid, (uid_t)op->ints[0], (uid_t)op->ints[0], (uid_t)op->ints[0]);
  case OP_UNSHARE:
    return unshare((int)op->ints[0]);
  case OP_SETNS:
    return setns((int)op->ints[0], (int)op->ints[1]);
  case OP_PTY:
    return setup_pty(op, detail);
  case OP_PDEATHSIG:
    return prctl(PR_SET_PDEATHSIG, (unsigned long)op->ints[0], 0, 0, 0);
  case OP_OPEN_AT:
    return open_at_fd(op);
  case OP_EXEC:
    return exec_command(op, detail);
  }
  errno = EINVAL;
  return -1;
}

static int child_main(void *arg) {
  const uint8_t *p = g_child.plan;
  uint32_t count = *(const uint32_t *)(p + 4);
  (void)arg;
  reset_signals(); /* Bun's handlers and ignored signals must not reach the command */
  p += PLAN_HEADER_SIZE;
  for (uint32_t i = 0; i < count; i++) {
    struct op op;
    int detail = DETAIL_NONE;
    p = read_op(p, &op);
    errno = 0;
    if (run_op(&op, &detail) < 0) {
      if (errno == ENOENT && (op.flags & OPF_IGNORE_ENOENT)) continue;
      report((int)i, errno, detail);
      _exit(125);
    }
  }
  report((int)count, EINVAL, DETAIL_NONE); /* a plan must end in exec */
  _exit(125);
}

/* ---------- parent side, called from Bun */

static volatile int g_wait_pidfd = -1;

static void forward_signal(int sig, siginfo_t *info, void *ctx) {
  (void)ctx;
  /* a terminal's ^C already reached the container's process group */
  if (info && info->si_code == SI_KERNEL) return;
  syscall(SYS_pidfd_send_signal, g_wait_pidfd, sig, 0, 0);
}

static struct sigaction g_saved[7];
static int g_forwarding;

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
#define NFORWARDED (sizeof forwarded / sizeof forwarded[0])

/* from clone until the wait ends, signals sent to burrow go to the container */
static void forward_start(int pidfd) {
  struct sigaction fwd = {0};
  g_wait_pidfd = pidfd;
  fwd.sa_sigaction = forward_signal;
  fwd.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&fwd.sa_mask);
  for (size_t i = 0; i < NFORWARDED; i++) sigaction(forwarded[i], &fwd, &g_saved[i]);
  g_forwarding = 1;
}

/* give the signals back to Bun (also when a launch fails before the wait) */
void burrow_forward_stop(void) {
  if (!g_forwarding) return;
  for (size_t i = 0; i < NFORWARDED; i++) sigaction(forwarded[i], &g_saved[i], 0);
  g_forwarding = 0;
  g_wait_pidfd = -1;
}


static void *g_stack;

/* clone3's arguments (linux/sched.h, kept here: it clashes with glibc's sched.h) */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define CLONE_INTO_CGROUP_FLAG 0x200000000ULL
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/*
 * clone3(CLONE_INTO_CGROUP): the child is born in its cgroup (Linux 5.7,
 * cgroup v2), so nobody has to move it there, and a move's wait for an RCU
 * grace period is never paid. No CLONE_VM, so the child may run on a copy of
 * this stack, as after fork. Returns the pid (0 in the child), or -1 with
 * errno; ENOSYS, E2BIG and EINVAL mean "use clone()".
 */
static pid_t clone_into_cgroup(uint64_t flags, int cgroup_fd, int *pidfd) {
  struct clone3_args args = {0};
  args.flags = flags | CLONE_PIDFD | CLONE_INTO_CGROUP_FLAG;
  args.pidfd = (uint64_t)(uintptr_t)pidfd;
  args.exit_signal = SIGCHLD;
  args.cgroup = (uint64_t)cgroup_fd;
  return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

/*
 * Clone a child that runs the plan (its header carries the clone flags).
 * out: pid, pidfd, sync write end, error read end. Returns 1 when the child
 * was born in the cgroup of cgroup_fd (-1: none), 0 when it still has to be
 * moved there, or -errno.
 * forward: signals sent to burrow go to this child until it is waited for
 * (the container; not a helper such as fuse-overlayfs).
 */
int burrow_spawn(const uint8_t *plan, int32_t *out, int forward, int cgroup_fd) {
  int sync_pipe[2], err_pipe[2], pidfd = -1, saved, born_in_cgroup = 0;
  uint64_t clone_flags = *(const uint64_t *)(plan + 8);
  sigset_t all, old;
  pid_t pid;

  if (*(const uint32_t *)plan != PLAN_MAGIC) return -EINVAL;
  if (!g_stack) {
    void *s = mmap(0, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (s == MAP_FAILED) return -errno;
    g_stack = s;
  }
  if (pipe2(sync_pipe, O_CLOEXEC) < 0) return -errno;
  if (pipe2(err_pipe, O_CLOEXEC) < 0) {
    saved = errno;
    close(sync_pipe[0]);
    close(sync_pipe[1]);
    return -saved;
  }
  g_child.plan = plan;
  g_child.sync_fd = sync_pipe[0];
  g_child.err_fd = err_pipe[1];
  g_child.root_fd = -1;

  /* the child starts with every signal blocked, so no Bun handler can run in it */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid = -1;
  if (cgroup_fd >= 0) {
    pid = clone_into_cgroup(clone_flags, cgroup_fd, &pidfd);
    if (pid == 0) _exit(child_main(0)); /* never returns: the plan ends in exec */
    born_in_cgroup = pid > 0;
  }
  if (cgroup_fd < 0 || (pid < 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL)))
    pid = clone(child_main, (char *)g_stack + STACK_SIZE, (int)clone_flags | CLONE_PIDFD | SIGCHLD, 0, &pidfd);
  saved = errno;
  /* installed while every signal is still blocked: none can slip past */
  if (pid > 0 && forward) forward_start(pidfd);
  pthread_sigmask(SIG_SETMASK, &old, 0);

  close(sync_pipe[0]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(sync_pipe[1]);
    close(err_pipe[0]);
    return -saved;
  }
  out[0] = pid;
  out[1] = pidfd;
  out[2] = sync_pipe[1];
  out[3] = err_pipe[0];
  return born_in_cgroup;
}

/*
 * Wait for the container. Signals are forwarded to it meanwhile (installed by
 * burrow_spawn): JavaScript is blocked here, so it must be a C handler.
 * Returns the exit code, or 256 + N when killed by signal N, or -errno.
 */
int burrow_wait(int pidfd) {
  siginfo_t info = {0};
  int r;
  do r = waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED);
  while (r < 0 && errno == EINTR);
  if (pidfd == g_wait_pidfd) burrow_forward_stop();
  if (r < 0) return -errno;
  if (info.si_code == CLD_EXITED) return info.si_status;
  return 256 + info.si_status;
}

/* send a signal through the pidfd: never hits a recycled pid */
int burrow_signal(int pidfd, int sig) {
  return syscall(SYS_pidfd_send_signal, pidfd, sig, 0, 0) < 0 ? -errno : 0;
}
