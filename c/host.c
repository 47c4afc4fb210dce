/*
 * Small host-side syscalls that Bun does not offer, called through bun:ffi:
 * socketpair, fd passing, flock, pidfd_open, memfd_create, syncfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"

int burrow_socketpair(int32_t *out) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return -errno;
  out[0] = sv[0];
  out[1] = sv[1];
  return 0;
}

/* one fd sent with SCM_RIGHTS; returns it (CLOEXEC) or -errno */
int burrow_recv_fd(int sock) { return recv_fd(sock); }

/* the monitor's handshake: the container's pid, then its sync and error fds. out: pid, sync, err */
int burrow_recv_handshake(int sock, int32_t *out) {
  int fds[2] = {-1, -1};
  int32_t pid = 0;
  int n = recv_fds(sock, &pid, sizeof pid, fds, 2);
  if (n < 0) return n;
  if (n != 2) return -EBADMSG;
  out[0] = pid;
  out[1] = fds[0];
  out[2] = fds[1];
  return 0;
}

/* flock(2): LOCK_EX = 2, LOCK_UN = 8, LOCK_NB = 4 */
int burrow_flock(int fd, int op) {
  int r;
  do r = flock(fd, op);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : 0;
}

/* a pidfd for a process burrow did not start (detached containers) */
int burrow_pidfd_open(int pid) {
  long r = syscall(SYS_pidfd_open, pid, 0);
  return r < 0 ? -errno : (int)r;
}

int burrow_memfd(const char *name, unsigned flags) {
  int fd = memfd_create(name, flags);
  return fd < 0 ? -errno : fd;
}

/* mknod(2) for device nodes, fifos and overlayfs whiteouts (char 0:0) in layers */
int burrow_mknod(const char *path, unsigned mode, uint64_t dev) {
  return mknod(path, (mode_t)mode, (dev_t)dev) < 0 ? -errno : 0;
}

/* lsetxattr(2): security.capability of unpacked files, trusted.overlay.opaque of opaque dirs */
int burrow_lsetxattr(const char *path, const char *name, const void *value, uint64_t size) {
  return lsetxattr(path, name, value, (size_t)size, 0) < 0 ? -errno : 0;
}

/* lgetxattr(2): an opaque directory of an upper dir becomes .wh..wh..opq in a committed layer */
int burrow_lgetxattr(const char *path, const char *name, void *value, uint64_t size) {
  ssize_t r = lgetxattr(path, name, value, (size_t)size);
  return r < 0 ? -errno : (int)r;
}

/* syncfs(2) of the filesystem at path: a FUSE root's dirty pages reach its daemon before it stops */
int burrow_syncfs(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;
  if (fd < 0) return -errno;
  r = syncfs(fd);
  if (r < 0) r = -errno;
  close(fd);
  return r;
}
