/**
 * /etc/hostname, /etc/hosts and /etc/resolv.conf for a container, as Docker
 * makes them: written into the container's state dir and bind-mounted.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Mount } from "./types.ts";

export interface EtcFilesInput {
  stateDir: string;
  hostname: string;
  /** share the host's network: its hosts and resolv.conf as they are */
  hostNetwork: boolean;
  dns?: string[];
  addHosts?: string[];
}

function readHostFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function hostsFile(input: EtcFilesInput): string {
  let text: string;
  if (input.hostNetwork) {
    text = readHostFile("/etc/hosts");
  } else {
    text = [
      "127.0.0.1\tlocalhost",
      "::1\tlocalhost ip6-localhost ip6-loopback",
      "fe00::0\tip6-localnet",
      "ff00::0\tip6-mcastprefix",
      "ff02::1\tip6-allnodes",
      "ff02::2\tip6-allrouters",
      "",
    ].join("\n");
  }
  for (const entry of input.addHosts ?? []) {
    const at = entry.lastIndexOf(":");
    text += `${entry.slice(at + 1)}\t${entry.slice(0, at)}\n`;
  }
  return text;
}

/**
 * The host's resolv.conf; without host networking, nameservers on loopback
 * cannot be reached from the container, so they are dropped as Docker does.
 */
function resolvConf(input: EtcFilesInput): string {
  const host = readHostFile("/etc/resolv.conf");
  if (input.dns && input.dns.length > 0) {
    const others = host.split("\n").filter((l) => l.trim() && !/^\s*nameserver\s/.test(l));
    return [...input.dns.map((ip) => `nameserver ${ip}`), ...others].join("\n") + "\n";
  }
  if (input.hostNetwork) return host;
  return host
    .split("\n")
    .filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l))
    .join("\n");
}

/** Write the three files and return the bind mounts that put them in place. */
export function writeEtcFiles(input: EtcFilesInput): Mount[] {
  const files: Array<[name: string, content: string]> = [
    ["hostname", `${input.hostname}\n`],
    ["hosts", hostsFile(input)],
    ["resolv.conf", resolvConf(input)],
  ];
  return files.map(([name, content]) => {
    const source = join(input.stateDir, name);
    writeFileSync(source, content, { mode: 0o644 });
    return { destination: `/etc/${name}`, type: "bind", source, options: ["rbind", "rprivate"] };
  });
}
