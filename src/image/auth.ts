/**
 * Registry credentials: what `burrow login` stored (auth.json in burrow's
 * data root) and, failing that, ~/.docker/config.json's "auths" (no
 * credential helpers).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../runtime/state.ts";
import { dataDir } from "./store.ts";

export interface Credentials {
  username: string;
  password: string;
}

type AuthFile = { auths?: Record<string, { auth?: string; username?: string; password?: string }> };

function readAuthFile(path: string): AuthFile {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as AuthFile;
  } catch {
    return {};
  }
}

/** the keys Docker uses for a registry: "host", "https://host", and index.docker.io's for docker.io */
function keysFor(registry: string): string[] {
  const names = registry === "docker.io" ? ["docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"] : [registry];
  return names.flatMap((n) => [n, `https://${n}`, `http://${n}`]);
}

export function credentialsFor(registry: string): Credentials | undefined {
  const files = [dataDir("auth.json"), join(process.env.HOME ?? "/root", ".docker", "config.json")];
  for (const file of files) {
    const auths = readAuthFile(file).auths ?? {};
    for (const key of keysFor(registry)) {
      const entry = auths[key];
      if (!entry) continue;
      if (entry.username && entry.password) return { username: entry.username, password: entry.password };
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, "base64").toString();
        const colon = decoded.indexOf(":");
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
    }
  }
  return undefined;
}

export function saveCredentials(registry: string, creds: Credentials | undefined): void {
  const file = dataDir("auth.json");
  const content = readAuthFile(file);
  content.auths ??= {};
  if (creds) content.auths[registry] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") };
  else delete content.auths[registry];
  mkdirSync(dataDir(), { recursive: true });
  writeAtomic(file, JSON.stringify(content, null, 2), 0o600);
}
