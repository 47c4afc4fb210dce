/**
 * Writing a tar archive (ustar; pax headers for long names and link
 * targets) in memory: `burrow save`, `commit` and `export`.
 */
const encoder = new TextEncoder();

export type EntryKind = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

const FLAGS: Record<EntryKind, string> = { file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" };

export interface EntryInit {
  name: string;
  kind: EntryKind;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  data?: Uint8Array;
}

function octal(value: number, len: number): string {
  return Math.max(0, Math.floor(value)).toString(8).padStart(len - 1, "0");
}

function header(e: EntryInit, name: string, linkname: string, size: number): Uint8Array {
  const block = new Uint8Array(512);
  const put = (text: string, at: number, len: number) => block.set(encoder.encode(text).subarray(0, len), at);
  put(name, 0, 100);
  put(octal(e.mode ?? 0o644, 8), 100, 8);
  put(octal(e.uid ?? 0, 8), 108, 8);
  put(octal(e.gid ?? 0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(e.mtime ?? 0, 12), 136, 12);
  put("        ", 148, 8);
  put(FLAGS[e.kind], 156, 1);
  put(linkname, 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put(octal(e.devmajor ?? 0, 8), 329, 8);
  put(octal(e.devminor ?? 0, 8), 337, 8);
  let sum = 0;
  for (const b of block) sum += b;
  put(`${octal(sum, 7)}\0`, 148, 8);
  return block;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = encoder.encode(body).length + 1;
  while (encoder.encode(`${len}${body}`).length !== len) len = encoder.encode(`${len}${body}`).length;
  return `${len}${body}`;
}

export class TarWriter {
  private chunks: Uint8Array[] = [];

  private push(data: Uint8Array): void {
    this.chunks.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) this.chunks.push(new Uint8Array(pad));
  }

  entry(e: EntryInit): void {
    const name = e.kind === "dir" && !e.name.endsWith("/") ? `${e.name}/` : e.name;
    const linkname = e.linkname ?? "";
    const pax = [
      ...(encoder.encode(name).length > 99 ? [paxRecord("path", name)] : []),
      ...(encoder.encode(linkname).length > 99 ? [paxRecord("linkpath", linkname)] : []),
    ].join("");
    if (pax) {
      const data = encoder.encode(pax);
      this.chunks.push(header({ name: "PaxHeader", kind: "file" }, "PaxHeader", "", data.length));
      this.chunks[this.chunks.length - 1]![156] = "x".charCodeAt(0);
      this.fixChecksum(this.chunks[this.chunks.length - 1]!);
      this.push(data);
    }
    const data = e.kind === "file" ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
    this.chunks.push(header(e, name.slice(0, 99), linkname.slice(0, 99), data.length));
    if (data.length > 0) this.push(data);
  }

  private fixChecksum(block: Uint8Array): void {
    block.set(encoder.encode("        "), 148);
    let sum = 0;
    for (const b of block) sum += b;
    block.set(encoder.encode(`${octal(sum, 7)}\0`), 148);
  }

  file(name: string, data: Uint8Array, mode = 0o644, mtime = 0): void {
    this.entry({ name, kind: "file", data, mode, mtime });
  }

  dir(name: string, mtime = 0): void {
    this.entry({ name, kind: "dir", mode: 0o755, mtime });
  }

  finish(): Uint8Array {
    this.chunks.push(new Uint8Array(1024));
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
