/**
 * burrow stats [OPTIONS] [CONTAINER...]: CPU %, memory, pids, block and
 * network I/O of running containers, from their cgroups.
 */
import { readFileSync } from "node:fs";
import { openCgroup } from "../runtime/container-cgroup.ts";
import { findContainer, listContainers } from "../runtime/lookup.ts";
import type { ContainerState } from "../runtime/state.ts";
import { formatBytes } from "../spec/units.ts";
import type { Command } from "./command.ts";
import { table, wantsJson } from "./format.ts";
import { bool } from "./options.ts";
import { writeOut } from "../output.ts";
import { isTerminal } from "../linux/launcher.ts";

interface Sample {
  container: ContainerState;
  at: number;
  cpuNs?: number;
  memoryUsage?: number;
  memoryLimit?: number;
  pids?: number;
  blockRead?: number;
  blockWrite?: number;
  netRx?: number;
  netTx?: number;
}

function netIO(pid: number | undefined): { rx?: number; tx?: number } {
  if (!pid) return {};
  try {
    let rx = 0;
    let tx = 0;
    for (const line of readFileSync(`/proc/${pid}/net/dev`, "utf8").split("\n").slice(2)) {
      const [name, data] = line.split(":");
      if (!data || name!.trim() === "lo") continue;
      const fields = data.trim().split(/\s+/).map(Number);
      rx += fields[0] ?? 0;
      tx += fields[8] ?? 0;
    }
    return { rx, tx };
  } catch {
    return {};
  }
}

function sample(container: ContainerState): Sample {
  const s = container.cgroup ? openCgroup(container.cgroup).stats() : {};
  const net = netIO(container.pid);
  return {
    container,
    at: performance.now(),
    cpuNs: s.cpuUsageNs,
    memoryUsage: s.memoryUsage,
    memoryLimit: s.memoryLimit,
    pids: s.pids,
    blockRead: s.blockRead,
    blockWrite: s.blockWrite,
    netRx: net.rx,
    netTx: net.tx,
  };
}

function hostMemory(): number {
  const m = /MemTotal:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

interface Row {
  id: string;
  name: string;
  cpuPercent: number;
  memoryUsage: number;
  memoryLimit: number;
  memoryPercent: number;
  netInput: number;
  netOutput: number;
  blockInput: number;
  blockOutput: number;
  pids: number;
}

function row(before: Sample, after: Sample): Row {
  const elapsedNs = (after.at - before.at) * 1e6;
  const cpu = after.cpuNs !== undefined && before.cpuNs !== undefined && elapsedNs > 0 ? ((after.cpuNs - before.cpuNs) / elapsedNs) * 100 : 0;
  const limit = after.memoryLimit ?? hostMemory();
  const usage = after.memoryUsage ?? 0;
  return {
    id: after.container.id.slice(0, 12),
    name: after.container.name,
    cpuPercent: Math.max(0, cpu),
    memoryUsage: usage,
    memoryLimit: limit,
    memoryPercent: limit > 0 ? (usage / limit) * 100 : 0,
    netInput: after.netRx ?? 0,
    netOutput: after.netTx ?? 0,
    blockInput: after.blockRead ?? 0,
    blockOutput: after.blockWrite ?? 0,
    pids: after.pids ?? 0,
  };
}

function render(rows: Row[]): string {
  const header = ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"];
  return table(
    header,
    rows.map((r) => [
      r.id,
      r.name,
      `${r.cpuPercent.toFixed(2)}%`,
      `${formatBytes(r.memoryUsage)} / ${formatBytes(r.memoryLimit)}`,
      `${r.memoryPercent.toFixed(2)}%`,
      `${formatBytes(r.netInput)} / ${formatBytes(r.netOutput)}`,
      `${formatBytes(r.blockInput)} / ${formatBytes(r.blockOutput)}`,
      String(r.pids),
    ]),
  );
}

export const statsCommand: Command = {
  meta: { name: "stats", description: "Display a live stream of container resource usage statistics" },
  usage: "[OPTIONS] [CONTAINER...]",
  options: {
    all: { type: "boolean", alias: "a", description: "Show all containers (default shows just running)" },
    "no-stream": { type: "boolean", description: "Disable streaming stats and only pull the first result" },
    json: { type: "boolean", description: "Format output as JSON" },
    format: { type: "string", description: "Format output: json or table" },
    help: { type: "boolean", description: "Print usage" },
  },
  async run(args) {
    const json = wantsJson(args);
    const stream = !bool(args, "no-stream");
    const pick = () =>
      args.positionals.length > 0 ? args.positionals.map(findContainer) : listContainers().filter((c) => c.status === "running" || bool(args, "all"));
    let previous = pick().map(sample);
    await Bun.sleep(stream ? 1000 : 250);
    for (;;) {
      const current = pick().map(sample);
      const rows = current.map((s) => row(previous.find((p) => p.container.id === s.container.id) ?? s, s));
      if (json) writeOut(`${JSON.stringify(rows)}\n`);
      else {
        if (stream && isTerminal(1)) writeOut("\x1b[2J\x1b[H");
        writeOut(render(rows));
      }
      if (!stream) return 0;
      previous = current;
      await Bun.sleep(1000);
    }
  },
};
