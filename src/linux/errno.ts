/**
 * errno numbers as names and messages, the way libc's strerror prints them,
 * so that errors read like every other Linux tool's.
 */
import { constants } from "node:os";

const names = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!names.has(value)) names.set(value, name);
}

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
  return (constants.errno as Record<string, number>)[name] ?? 0;
}
