/**
 * Signal names and numbers: "TERM", "SIGTERM", "sigterm", "15", "SIGRTMIN+3".
 */
import { constants } from "node:os";
import { BurrowError } from "../errors.ts";

const SIGRTMIN = 34;
const SIGRTMAX = 64;

export function parseSignal(text: string): number {
  const t = text.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= SIGRTMAX) return n;
  } else {
    const name = t.startsWith("SIG") ? t : `SIG${t}`;
    const known = (constants.signals as Record<string, number>)[name];
    if (known) return known;
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
    if (rt) {
      const n = name.startsWith("SIGRTMIN") ? SIGRTMIN + Number(rt[1] ?? 0) : SIGRTMAX - Number(rt[1] ?? 0);
      if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
    }
  }
  throw new BurrowError({ step: "invalid signal:", object: text, exitCode: 1 });
}
