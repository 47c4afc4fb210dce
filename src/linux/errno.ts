/**
 * errno numbers as names and messages, the way libc's strerror prints them,
 * so that errors read like every other Linux tool's.
 */
/**
 * Linux's errno numbers (asm-generic/errno-base.h, errno.h; the same on
 * x86_64 and arm64). A table of our own: node:os would cost start-up time.
 */
const NUMBERS: Record<string, number> = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19,
  ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28,
  ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36, ENOLCK: 37,
  ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EOVERFLOW: 75, EBADMSG: 74, ENOTSUP: 95, EOPNOTSUPP: 95,
  EADDRINUSE: 98, EADDRNOTAVAIL: 99, ENETUNREACH: 101, ECONNRESET: 104, ETIMEDOUT: 110, ECONNREFUSED: 111,
  EHOSTUNREACH: 113, ESTALE: 116, EDQUOT: 122,
};

const names = new Map<number, string>();
for (const [name, value] of Object.entries(NUMBERS)) if (!names.has(value)) names.set(value, name);

/** The most common ones, worded as glibc words them. */
const messages: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ESRCH: "No such process",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  E2BIG: "Argument list too long",
  ENOEXEC: "Exec format error",
  EBADF: "Bad file descriptor",
  ECHILD: "No child processes",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  ENOTBLK: "Block device required",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  EXDEV: "Invalid cross-device link",
  ENODEV: "No such device",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ENOTTY: "Inappropriate ioctl for device",
  ETXTBSY: "Text file busy",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  ESPIPE: "Illegal seek",
  EROFS: "Read-only file system",
  EMLINK: "Too many links",
  EPIPE: "Broken pipe",
  ERANGE: "Numerical result out of range",
  ENAMETOOLONG: "File name too long",
  ENOSYS: "Function not implemented",
  ENOTEMPTY: "Directory not empty",
  ELOOP: "Too many levels of symbolic links",
  EOPNOTSUPP: "Operation not supported",
  ECONNREFUSED: "Connection refused",
  ETIMEDOUT: "Connection timed out",
  EHOSTUNREACH: "No route to host",
  EADDRINUSE: "Address already in use",
  EOVERFLOW: "Value too large for defined data type",
};

/** "ENOENT" for 2; "E123" for numbers this platform does not name. */
export function errnoName(errno: number): string {
  return names.get(errno) ?? `E${errno}`;
}

/** "No such file or directory" for 2. */
export function errnoMessage(errno: number): string {
  const name = errnoName(errno);
  return messages[name] ?? `Unknown error ${errno}`;
}

/** The number for a name such as "EACCES" (0 when unknown). */
export function errnoNumber(name: string): number {
  return NUMBERS[name] ?? 0;
}
