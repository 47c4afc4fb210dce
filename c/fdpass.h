/* Passing file descriptors over unix sockets (SCM_RIGHTS). */
#ifndef BURROW_FDPASS_H
#define BURROW_FDPASS_H
#include <stddef.h>

/* send fds with a small payload; returns 0 or -1 (errno set) */
int send_fds(int sock, const void *data, size_t len, const int *fds, int nfds);
/* receive up to max fds (CLOEXEC) and a payload; returns the fd count or -errno */
int recv_fds(int sock, void *data, size_t len, int *fds, int max);
/* one fd, no payload; returns it or -errno */
int recv_fd(int sock);

#endif
