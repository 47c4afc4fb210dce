/**
 * burrow logs [-f] [--tail N] [-t] [--since T] [--until T] CONTAINER
 */
import { usageError } from "../errors.ts";
import { isRunning, refresh } from "../runtime/lifecycle.ts";
import { findContainer } from "../runtime/lookup.ts";
import { readLog, readMore, type LogEntry } from "../runtime/logs.ts";
import { loadState } from "../runtime/state.ts";
import type { Command } from "./command.ts";
import { bool, str } from "./options.ts";
import { writeOut, writeErr } from "../output.ts";

/** RFC 3339, a Unix timestamp, or a duration back from now (10m, 2h, 30s) */
export function parseTime(text: string, flag: string): number {
  const rel = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (rel) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[rel[2] as "ms" | "s" | "m" | "h"];
    return Date.now() - Number(rel[1]) * unit;
  }
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw usageError(`invalid time "${text}": use RFC 3339, a Unix timestamp or a duration such as 10m`, flag);
  return t;
}

export const logsCommand: Command = {
  meta: { name: "logs", description: "Fetch the logs of a container" },
  usage: "[OPTIONS] CONTAINER",
  failureCode: 1,
  options: {
    follow: { type: "boolean", alias: "f", description: "Follow log output" },
    tail: { type: "string", alias: "n", description: 'Number of lines to show from the end of the logs (default "all")' },
    timestamps: { type: "boolean", alias: "t", description: "Show timestamps" },
    since: { type: "string", description: "Show logs since timestamp (2013-01-02T13:23:37Z) or relative (42m)" },
    until: { type: "string", description: "Show logs before a timestamp or relative" },
    help: { type: "boolean", description: "Print usage" },
  },
  async run(args) {
    const ref = args.positionals[0];
    if (!ref || args.positionals.length > 1) throw usageError("burrow logs needs exactly one container");
    const container = findContainer(ref);
    const tailText = str(args, "tail") ?? "all";
    if (tailText !== "all" && !/^-?\d+$/.test(tailText)) throw usageError(`invalid tail "${tailText}"`, "--tail");
    const since = str(args, "since") !== undefined ? parseTime(str(args, "since")!, "--since") : undefined;
    const until = str(args, "until") !== undefined ? parseTime(str(args, "until")!, "--until") : undefined;
    const stamps = bool(args, "timestamps");
    const show = (entries: LogEntry[]) => {
      for (const e of entries) {
        const t = Date.parse(e.time);
        if ((since !== undefined && t < since) || (until !== undefined && t > until)) continue;
        const text = stamps ? `${e.time} ${e.log}` : e.log;
        (e.stream === "stderr" ? writeErr : writeOut)(text);
      }
    };
    let { entries, offset, inode } = readLog(container.id);
    const tail = tailText === "all" || Number(tailText) < 0 ? entries.length : Number(tailText);
    show(entries.slice(Math.max(0, entries.length - tail)));
    if (!bool(args, "follow")) return 0;
    for (;;) {
      const state = loadState(container.id);
      const running = state ? isRunning(refresh(state)) : false;
      ({ entries, offset, inode } = readMore(container.id, offset, inode));
      show(entries);
      if (!running) return 0;
      await Bun.sleep(100);
    }
  },
};
