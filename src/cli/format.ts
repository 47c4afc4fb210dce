/**
 * Output shared by the listing verbs: aligned tables, Docker's durations,
 * JSON when asked (`--json` or `--format json`).
 */
import type { ParsedArgs } from "./command.ts";
import { bool, str } from "./options.ts";

export function wantsJson(args: ParsedArgs): boolean {
  return bool(args, "json") || str(args, "format") === "json";
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("   ").trimEnd()).join("\n") + "\n";
}

/** "5 seconds", "About a minute", "3 hours", as Docker says them */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s < 60) return `${s} second${s === 1 ? "" : "s"}`;
  const m = Math.round(s / 60);
  if (m === 1) return "About a minute";
  if (m < 60) return `${m} minutes`;
  const h = Math.round(m / 60);
  if (h === 1) return "About an hour";
  if (h < 48) return `${h} hours`;
  return `${Math.round(h / 24)} days`;
}
