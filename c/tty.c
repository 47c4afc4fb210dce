/*
 * Terminal helpers for the foreground `run -t` and `exec -t`, called from Bun.
 *
 * The relay runs here, not in JavaScript, because JavaScript is blocked in
 * the wait anyway and a poll() loop over stdin, the pty master and the pidfd
 * is the simplest correct thing: it ends exactly when the container has
 * exited and its output has been drained.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>


static struct termios g_saved;
static int g_saved_fd = -1;

/* the caller's terminal in raw mode; burrow_tty_restore puts it back */
int burrow_tty_raw(int fd) {
  struct termios raw;
  if (tcgetattr(fd, &g_saved) < 0) return -errno;
  raw = g_saved;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSADRAIN, &raw) < 0) return -errno;
  g_saved_fd = fd;
  return 0;
}

int burrow_tty_restore(void) {
  if (g_saved_fd < 0) return 0;
  if (tcsetattr(g_saved_fd, TCSADRAIN, &g_saved) < 0) return -errno;
  g_saved_fd = -1;
  return 0;
}

/* copy the window size of one terminal to another (the pty master) */
int burrow_tty_copy_size(int from, int to) {
  struct winsize ws;
  if (ioctl(from, TIOCGWINSZ, &ws) < 0) return -errno;
  if (ioctl(to, TIOCSWINSZ, &ws) < 0) return -errno;
  return 0;
}

static int g_winch_pipe[2] = {-1, -1};

static void on_winch(int sig) {
  int saved = errno;
  char c = 'w';
  (void)sig;
  if (write(g_winch_pipe[1], &c, 1) < 0) { /* full: a resize is pending anyway */
  }
  errno = saved;
}

static int write_all(int fd, const char *buf, ssize_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, (size_t)n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {fd, POLLOUT, 0};
        poll(&p, 1, -1);
        continue;
      }
      return -1;
    }
    buf += w;
    n -= w;
  }
  return 0;
}

/*
 * Copy in_fd → master and master → out_fd until the process behind pidfd
 * has exited and the master has nothing more to say. in_fd < 0: no input.
 * size_fd >= 0: follow its window size on SIGWINCH. Returns 0 or -errno.
 */
int burrow_relay(int master, int in_fd, int out_fd, int pidfd, int size_fd) {
  struct sigaction winch = {0}, old_winch;
  char buf[16384];
  int exited = 0, result = 0;

  if (pipe2(g_winch_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return -errno;
  winch.sa_handler = on_winch;
  winch.sa_flags = SA_RESTART;
  sigemptyset(&winch.sa_mask);
  if (size_fd >= 0) {
    sigaction(SIGWINCH, &winch, &old_winch);
    burrow_tty_copy_size(size_fd, master);
  }
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);

  while (!exited) {
    struct pollfd fds[4] = {
        {master, POLLIN, 0},
        {pidfd, POLLIN, 0},
        {g_winch_pipe[0], POLLIN, 0},
        {in_fd, POLLIN, 0},
    };
    int n = poll(fds, in_fd >= 0 ? 4 : 3, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      result = -errno;
      break;
    }
    if (fds[0].revents & POLLIN) {
      ssize_t r = read(master, buf, sizeof buf);
      if (r > 0 && write_all(out_fd, buf, r) < 0) {
        result = -errno;
        break;
      }
    }
    if (fds[2].revents & POLLIN) {
      char drain[64];
      while (read(g_winch_pipe[0], drain, sizeof drain) > 0) {
      }
      if (size_fd >= 0) burrow_tty_copy_size(size_fd, master);
    }
    if (in_fd >= 0 && (fds[3].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t r = read(in_fd, buf, sizeof buf);
      if (r > 0) write_all(master, buf, r);
      else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) in_fd = -1; /* EOF: stop reading */
    }
    if (fds[1].revents & POLLIN) exited = 1;
  }
  /* the container is gone: whatever is still buffered in the pty goes out */
  for (;;) {
    ssize_t r = read(master, buf, sizeof buf);
    if (r <= 0) break;
    if (write_all(out_fd, buf, r) < 0) break;
  }
  if (size_fd >= 0) sigaction(SIGWINCH, &old_winch, 0);
  close(g_winch_pipe[0]);
  close(g_winch_pipe[1]);
  g_winch_pipe[0] = g_winch_pipe[1] = -1;
  return result;
}


int burrow_isatty(int fd) { return isatty(fd); }
