/*
 * burrow's monitor: the one small process that holds a detached container.
 *
 * burrow (Bun) starts it from a memfd and exits; the monitor clones the
 * container from the plan it is given (the same launcher code), hands the
 * handshake fds back to burrow, then for the container's whole life:
 * copies its output into container.log (JSON lines, as Docker's json-file),
 * serves `burrow attach` on attach.sock, and when the container exits
 * writes its status and execs the exit command (burrow's own clean-up and
 * restart logic, in TypeScript).
 *
 *   monitor STATE_DIR FLAGS LOG_MAX_SIZE LOG_MAX_FILES -- EXIT_COMMAND...
 *   fd 3: the plan   fd 4: control socket to burrow   fd 5: this program (closed)
 *   fd 6 (with FLAGS c): the container's cgroup v2 directory, to clone it into
 *   FLAGS: t = tty, i = keep stdin open, c = a cgroup fd is at 6
 *
 * Attach protocol, client to monitor: frames {u8 type, u16 length (LE), data}:
 * 0 = input, 1 = resize {u16 rows, u16 cols}, 2 = close input. Monitor to
 * client: the raw output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"

int burrow_spawn(const uint8_t *plan, int32_t *out, int forward, int cgroup_fd);

/* fd numbers the plan's Dup2/Pty steps expect (see src/runtime/monitor.ts) */
#define CHILD_STDIN 10
#define CHILD_STDOUT 11
#define CHILD_STDERR 12
#define CHILD_PTY_SOCKET 13

#define MAX_CLIENTS 16
#define LINE_MAX_BYTES 16384

struct stream {
  const char *name;
  int fd;
  char line[LINE_MAX_BYTES];
  size_t used;
};

struct client {
  int fd;
  uint8_t frame[3 + 65535];
  size_t used;
};

static int g_dir = -1, g_log = -1;
static long long g_log_size, g_log_max;
static int g_log_files = 1;
static struct client g_clients[MAX_CLIENTS];

static void die(const char *what) {
  dprintf(2, "burrow-monitor: %s: %s\n", what, strerror(errno));
  _exit(125);
}

static void open_log(void) {
  struct stat st;
  g_log = openat(g_dir, "container.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (g_log < 0) die("open container.log");
  g_log_size = fstat(g_log, &st) == 0 ? st.st_size : 0;
}

/* container.log → .1 → .2 ...; the oldest falls off */
static void rotate_log(void) {
  char from[64], to[64];
  close(g_log);
  for (int i = g_log_files - 1; i >= 1; i--) {
    snprintf(from, sizeof from, i == 1 ? "container.log" : "container.log.%d", i - 1);
    snprintf(to, sizeof to, "container.log.%d", i);
    renameat(g_dir, from, g_dir, to);
  }
  if (g_log_files <= 1) unlinkat(g_dir, "container.log", 0);
  open_log();
}

static size_t json_escape(char *out, const char *in, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c == '"' || c == '\\') {
      out[k++] = '\\';
      out[k++] = (char)c;
    } else if (c == '\n') {
      out[k++] = '\\';
      out[k++] = 'n';
    } else if (c == '\r') {
      out[k++] = '\\';
      out[k++] = 'r';
    } else if (c == '\t') {
      out[k++] = '\\';
      out[k++] = 't';
    } else if (c < 0x20) {
      memcpy(out + k, "\\u00", 4);
      k += 4;
      out[k++] = hex[c >> 4];
      out[k++] = hex[c & 15];
    } else {
      out[k++] = (char)c;
    }
  }
  return k;
}

/* one JSON line: {"log":"...","stream":"stdout","time":"2026-11-24T22:00:00.123456789Z"} */
static void log_line(const char *stream, const char *data, size_t n) {
  static char out[LINE_MAX_BYTES * 6 + 128];
  struct timespec ts;
  struct tm tm;
  size_t k = 0;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  k += (size_t)snprintf(out, 16, "{\"log\":\"");
  k += json_escape(out + k, data, n);
  k += (size_t)snprintf(out + k, 128, "\",\"stream\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"}\n", stream,
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
  if (write(g_log, out, k) == (ssize_t)k) g_log_size += (long long)k;
  if (g_log_max > 0 && g_log_size >= g_log_max) rotate_log();
}

static void to_clients(const char *data, size_t n) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (g_clients[i].fd < 0) continue;
    if (send(g_clients[i].fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN) {
      close(g_clients[i].fd);
      g_clients[i].fd = -1;
    }
  }
}

/* output from the container: to attached clients as is, to the log by lines */
static int pump(struct stream *s) {
  char buf[LINE_MAX_BYTES];
  ssize_t r = read(s->fd, buf, sizeof buf);
  if (r <= 0) return r == 0 || (errno != EAGAIN && errno != EINTR) ? -1 : 0;
  to_clients(buf, (size_t)r);
  for (ssize_t i = 0; i < r; i++) {
    s->line[s->used++] = buf[i];
    if (buf[i] == '\n' || s->used == sizeof s->line) {
      log_line(s->name, s->line, s->used);
      s->used = 0;
    }
  }
  return 0;
}

static void flush_stream(struct stream *s) {
  if (s->fd >= 0)
    while (pump(s) == 0) {
    }
  if (s->used > 0) log_line(s->name, s->line, s->used);
  s->used = 0;
}

/* input from an attached client: complete frames only */
static void client_input(struct client *c, int input_fd, int master) {
  ssize_t r = recv(c->fd, c->frame + c->used, sizeof c->frame - c->used, MSG_DONTWAIT);
  if (r <= 0) {
    if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
      close(c->fd);
      c->fd = -1;
    }
    return;
  }
  c->used += (size_t)r;
  while (c->used >= 3) {
    size_t len = (size_t)c->frame[1] | ((size_t)c->frame[2] << 8);
    if (c->used < 3 + len) break;
    if (c->frame[0] == 0 && input_fd >= 0) {
      if (write(input_fd, c->frame + 3, len) < 0) { /* the container closed its input */
      }
    } else if (c->frame[0] == 1 && len == 4 && master >= 0) {
      struct winsize ws = {0};
      ws.ws_row = (unsigned short)(c->frame[3] | (c->frame[4] << 8));
      ws.ws_col = (unsigned short)(c->frame[5] | (c->frame[6] << 8));
      ioctl(master, TIOCSWINSZ, &ws);
    } else if (c->frame[0] == 2 && master < 0 && input_fd >= 0) {
      close(input_fd); /* EOF for a pipe; a terminal gets ^D from the client */
    }
    memmove(c->frame, c->frame + 3 + len, c->used - 3 - len);
    c->used -= 3 + len;
  }
}

static uint8_t *read_plan(int fd) {
  struct stat st;
  uint8_t *plan;
  size_t got = 0;
  if (fstat(fd, &st) < 0) die("stat plan");
  plan = malloc((size_t)st.st_size + 8);
  if (!plan) die("malloc");
  while (got < (size_t)st.st_size) {
    ssize_t r = pread(fd, plan + got, (size_t)st.st_size - got, (off_t)got);
    if (r <= 0) die("read plan");
    got += (size_t)r;
  }
  close(fd);
  return plan;
}

static int listen_attach(void) {
  struct sockaddr_un addr = {0};
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0) die("socket");
  addr.sun_family = AF_UNIX;
  /* the state dir's path may be longer than sun_path allows: go through the dir fd */
  snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/attach.sock", g_dir);
  unlinkat(g_dir, "attach.sock", 0);
  if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind attach.sock");
  if (listen(s, 8) < 0) die("listen");
  return s;
}

int main(int argc, char **argv) {
  int tty, keep_stdin, cgroup_fd, control = 4, listener, ptysock[2] = {-1, -1}, in_pipe[2] = {-1, -1};
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, master = -1, input_fd = -1, exit_at = 0;
  int32_t child[4];
  struct stream out = {"stdout", -1, {0}, 0}, err = {"stderr", -1, {0}, 0};
  uint8_t *plan;
  siginfo_t info = {0};
  int code;

  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) exit_at = i + 1;
  if (argc < 6 || exit_at == 0) {
    dprintf(2, "usage: burrow-monitor STATE_DIR FLAGS LOG_MAX_SIZE LOG_MAX_FILES -- EXIT_COMMAND...\n");
    return 2;
  }
  close(5); /* our own executable: nothing else needs it */
  prctl(PR_SET_NAME, "burrow-monitor", 0, 0, 0);
  setsid(); /* no terminal hangup reaches the container through us */
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  tty = strchr(argv[2], 't') != 0;
  keep_stdin = strchr(argv[2], 'i') != 0;
  cgroup_fd = strchr(argv[2], 'c') != 0 ? 6 : -1;
  g_log_max = atoll(argv[3]);
  g_log_files = atoi(argv[4]) > 0 ? atoi(argv[4]) : 1;
  for (int i = 0; i < MAX_CLIENTS; i++) g_clients[i].fd = -1;

  /* hold the numbers the plan expects, so that no pipe or socket below lands on them */
  {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0) die("open /dev/null");
    for (int fd = CHILD_STDIN; fd <= CHILD_PTY_SOCKET; fd++)
      if (dup3(null, fd, O_CLOEXEC) < 0) die("dup3");
    close(null);
  }
  g_dir = open(argv[1], O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (g_dir < 0) die("open state dir");
  open_log();
  listener = listen_attach();
  plan = read_plan(3);

  /* the container's ends of its stdio, at the numbers the plan expects */
  if (tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ptysock) < 0) die("socketpair");
    if (dup2(ptysock[1], CHILD_PTY_SOCKET) < 0) die("dup2");
  } else {
    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) die("pipe");
    if (keep_stdin) {
      if (pipe2(in_pipe, O_CLOEXEC) < 0) die("pipe");
      if (dup2(in_pipe[0], CHILD_STDIN) < 0) die("dup2");
    } else {
      /* fd 10 already is /dev/null (CLOEXEC): the child's dup2 onto 0 clears that */
    }
    if (dup2(out_pipe[1], CHILD_STDOUT) < 0 || dup2(err_pipe[1], CHILD_STDERR) < 0) die("dup2");
  }

  /* the container does not keep the cgroup fd: CLOEXEC, and closed here after the clone */
  if (cgroup_fd >= 0) fcntl(cgroup_fd, F_SETFD, FD_CLOEXEC);
  if ((code = burrow_spawn(plan, child, 0, cgroup_fd)) < 0) {
    errno = -code;
    die("clone");
  }
  if (cgroup_fd >= 0) close(cgroup_fd);
  /* forward 0: a signal to the monitor is not one for the container */
  for (int fd = CHILD_STDIN; fd <= CHILD_PTY_SOCKET; fd++) close(fd);
  if (tty) {
    close(ptysock[1]);
  } else {
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (keep_stdin) close(in_pipe[0]);
    out.fd = out_pipe[0];
    err.fd = err_pipe[0];
    input_fd = keep_stdin ? in_pipe[1] : -1;
  }

  /* handshake: burrow writes the id maps, joins the cgroup, says go, reads errors */
  {
    int fds[2] = {child[2], child[3]};
    int32_t pid = child[0];
    if (send_fds(control, &pid, sizeof pid, fds, 2) < 0) die("send handshake");
    close(child[2]);
    close(child[3]);
    close(control);
  }

  for (;;) {
    struct pollfd fds[5 + MAX_CLIENTS];
    int n = 0, pid_at, listen_at, out_at = -1, err_at = -1, pty_at = -1;
    pid_at = n;
    fds[n++] = (struct pollfd){child[1], POLLIN, 0};
    listen_at = n;
    fds[n++] = (struct pollfd){listener, POLLIN, 0};
    if (out.fd >= 0) {
      out_at = n;
      fds[n++] = (struct pollfd){out.fd, POLLIN, 0};
    }
    if (err.fd >= 0) {
      err_at = n;
      fds[n++] = (struct pollfd){err.fd, POLLIN, 0};
    }
    if (ptysock[0] >= 0) {
      pty_at = n;
      fds[n++] = (struct pollfd){ptysock[0], POLLIN, 0};
    }
    int first_client = n;
    for (int i = 0; i < MAX_CLIENTS; i++)
      if (g_clients[i].fd >= 0) fds[n++] = (struct pollfd){g_clients[i].fd, POLLIN, 0};

    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (out_at >= 0 && (fds[out_at].revents & (POLLIN | POLLHUP)) && pump(&out) < 0) {
      close(out.fd);
      out.fd = -1;
    }
    if (err_at >= 0 && (fds[err_at].revents & (POLLIN | POLLHUP)) && pump(&err) < 0) {
      close(err.fd);
      err.fd = -1;
    }
    if (pty_at >= 0 && (fds[pty_at].revents & (POLLIN | POLLHUP))) {
      master = recv_fd(ptysock[0]);
      close(ptysock[0]);
      ptysock[0] = -1;
      if (master >= 0) {
        fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
        out.fd = master; /* a terminal has one stream */
        input_fd = keep_stdin ? master : -1;
      }
    }
    for (int k = first_client; k < n; k++) {
      if (!fds[k].revents) continue;
      for (int i = 0; i < MAX_CLIENTS; i++)
        if (g_clients[i].fd == fds[k].fd) client_input(&g_clients[i], input_fd, master);
    }
    if (fds[listen_at].revents & POLLIN) {
      int c = accept4(listener, 0, 0, SOCK_CLOEXEC | SOCK_NONBLOCK);
      for (int i = 0; c >= 0 && i < MAX_CLIENTS; i++)
        if (g_clients[i].fd < 0) {
          g_clients[i].fd = c;
          g_clients[i].used = 0;
          c = -1;
        }
      if (c >= 0) close(c); /* full */
    }
    if (fds[pid_at].revents & POLLIN) break;
  }

  /* the container exited: drain its output, record the status, hand over */
  while (waitid(P_PIDFD, (id_t)child[1], &info, WEXITED) < 0 && errno == EINTR) {
  }
  code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  flush_stream(&out);
  flush_stream(&err);
  {
    char text[32];
    int fd = openat(g_dir, "exitcode.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int len = snprintf(text, sizeof text, "%d\n", code);
    if (fd >= 0 && write(fd, text, (size_t)len) == len) renameat(g_dir, "exitcode.tmp", g_dir, "exitcode");
    if (fd >= 0) close(fd);
  }
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (g_clients[i].fd >= 0) close(g_clients[i].fd);
  unlinkat(g_dir, "attach.sock", 0);
  {
    char arg[16];
    int extra = argc - exit_at;
    char **cmd = calloc((size_t)extra + 3, sizeof *cmd);
    if (!cmd) return code;
    for (int i = 0; i < extra; i++) cmd[i] = argv[exit_at + i];
    snprintf(arg, sizeof arg, "%d", code);
    cmd[extra] = arg;
    execv(cmd[0], cmd);
  }
  return code; /* the exit command is gone: the status file says it all */
}
