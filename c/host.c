/*
 * Small host-side syscalls that Bun does not offer, called through bun:ffi:
 * socketpair, fd passing, flock, pidfd_open, memfd_create.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
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
