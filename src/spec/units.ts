/**
 * Sizes and CPU counts as Docker's flags take them.
 */
import { usageError } from "../errors.ts";

const MULTIPLIERS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** "64m", "1g", "512k", "1.5GiB", "1048576" → bytes (binary multiples, as docker's RAMInBytes). */
export function parseBytes(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpb]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw usageError(`invalid size "${text}": use a number with an optional unit (b, k, m, g)`, flag);
  return Math.floor(Number(m[1]) * MULTIPLIERS[m[2]!.toLowerCase()]!);
}

/** "-1" means unlimited for --memory-swap. */
export function parseBytesOrUnlimited(text: string, flag: string): number {
  return text.trim() === "-1" ? -1 : parseBytes(text, flag);
}

/** "0.5", "2" CPUs → a positive number with at most 9 decimals, as Docker's NanoCPUs. */
export function parseCpus(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0)) throw usageError(`invalid CPU count "${text}"`, flag);
  return value;
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(2).replace(/\.?0+$/, "")} ${units[i]}`;
}
