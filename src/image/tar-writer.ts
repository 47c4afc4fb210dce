/**
 * Writing a tar archive (ustar; pax headers for long names) in memory, for
 * `burrow save`.
 */
const encoder = new TextEncoder();

function octal(value: number, len: number): string {
  return value.toString(8).padStart(len - 1, "0");
}

function header(name: string, size: number, type: string, mode: number, mtime: number): Uint8Array {
  const block = new Uint8Array(512);
  const put = (text: string, at: number, len: number) => block.set(encoder.encode(text).subarray(0, len), at);
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  put("        ", 148, 8);
  put(type, 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const b of block) sum += b;
  put(`${octal(sum, 7)}\0`, 148, 8);
  return block;
}

export class TarWriter {
  private chunks: Uint8Array[] = [];

  private push(data: Uint8Array): void {
    this.chunks.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) this.chunks.push(new Uint8Array(pad));
  }

  file(name: string, data: Uint8Array, mode = 0o644, mtime = 0): void {
    if (encoder.encode(name).length > 99) {
      const record = (key: string, value: string) => {
        const body = ` ${key}=${value}\n`;
        let len = body.length + 1;
        while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
        return `${len}${body}`;
      };
      const pax = encoder.encode(record("path", name));
      this.chunks.push(header("PaxHeader", pax.length, "x", 0o644, mtime));
      this.push(pax);
    }
    this.chunks.push(header(name.slice(0, 99), data.length, "0", mode, mtime));
    this.push(data);
  }

  dir(name: string, mtime = 0): void {
    this.chunks.push(header(name.endsWith("/") ? name : `${name}/`, 0, "5", 0o755, mtime));
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
