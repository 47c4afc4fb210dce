/**
 * Build a runtime spec from `burrow run` options: the one place where
 * Docker's flags and defaults turn into config.json.
 */
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { BurrowError, fromSystemError, usageError } from "../errors.ts";
import { errnoNumber } from "../linux/errno.ts";
import { allCapabilities, normalizeCapability } from "../linux/capabilities.ts";
import { defaultIdMaps, parseIdMapping, type IdMaps } from "../linux/idmap.ts";
import { DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS, DEFAULT_PATH, DEFAULT_READONLY_PATHS, defaultDevices, defaultMounts } from "./defaults.ts";
import { writeEtcFiles } from "./etc-files.ts";
import type { RunOptions } from "./run-options.ts";
import type { Capabilities, Mount, Namespace, NamespaceType, Rlimit, Spec } from "./types.ts";
import { buildResources } from "./resources.ts";
import { canMountVolatile, chooseOverlayDriver, overlayAnnotations, type OverlayDirs } from "./overlay.ts";
import { resolveUser } from "./user.ts";
import { readFromLayers, type ResolvedImage } from "../image/resolve.ts";

export interface SpecContext {
  id: string;
  stateDir: string;
  /** a container of an image: its layers and its own upper and work dirs (made by the runtime) */
  image?: { resolved: ResolvedImage; upper: string; work: string };
}

/** What the image asks for (Entrypoint, Cmd, Env, WorkingDir, User), under the flags. */
function fromImage(opts: RunOptions, ctx: SpecContext) {
  const config = ctx.image?.resolved.config.config ?? {};
  const entrypoint = opts.entrypoint !== undefined ? (opts.entrypoint === "" ? [] : [opts.entrypoint]) : (config.Entrypoint ?? []);
  // --entrypoint resets the image's Cmd, as with Docker
  const cmd = opts.command.length > 0 ? opts.command : opts.entrypoint !== undefined ? [] : (config.Cmd ?? []);
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw usageError("no command specified: the image has no Entrypoint or Cmd, give one");
  return { args, env: config.Env ?? [], workdir: opts.workdir ?? (config.WorkingDir || undefined), user: opts.user ?? (config.User || undefined) };
}

export function buildRunSpec(opts: RunOptions, ctx: SpecContext): Spec {
  const image = ctx.image;
  const rootfs = image ? image.upper : checkRootfs(opts.rootfs ?? "");
  const hostSandbox = !image && rootfs === "/";
  const wanted = image ? fromImage(opts, ctx) : { args: opts.command, env: [], workdir: opts.workdir, user: opts.user };
  const reader = image ? (path: string) => readFromLayers([image.upper, ...image.resolved.layerDirs], path) : rootfs;
  const network = opts.network ?? "none";
  if (!["none", "host", "private", "bridge", "default"].includes(network) && !network.startsWith("container:")) {
    throw usageError(`unknown network mode "${network}" (use none or host)`, "--network");
  }
  if (network === "bridge" || network === "default" || network.startsWith("container:")) {
    throw usageError(`network mode "${network}" is not supported yet (use none or host)`, "--network");
  }
  const hostNetwork = network === "host";
  const hostname = opts.hostname ?? (hostNetwork || opts.uts === "host" ? readHostname() : ctx.id.slice(0, 12));
  const user = resolveUser(reader, wanted.user, opts.groupAdd);
  const namespaces = buildNamespaces(opts, hostNetwork);
  const userns = namespaces.some((ns) => ns.type === "user");
  const maps = userns ? idMaps(opts) : undefined;

  const mounts = [
    ...defaultMounts().map((m) => adjustDefaultMount(m, opts, maps)),
    ...(hostSandbox ? [{ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"] }] : []),
    ...writeEtcFiles({ stateDir: ctx.stateDir, hostname, hostNetwork, dns: opts.dns, addHosts: opts.addHost }),
    ...sortByDepth([...(opts.volume ?? []).map(parseVolume), ...(opts.tmpfs ?? []).map(parseTmpfs)]),
  ];
  const privileged = opts.privileged ?? false;
  const spec: Spec = {
    ociVersion: "1.2.0",
    process: {
      terminal: opts.tty ?? false,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: wanted.args,
      env: buildEnv(opts, hostname, user.home, wanted.env),
      cwd: wanted.workdir ?? "/",
      capabilities: buildCapabilities(opts, user.uid),
      rlimits: (opts.ulimit ?? []).map(parseUlimit),
      noNewPrivileges: noNewPrivileges(opts.securityOpt ?? []),
      oomScoreAdj: opts.oomScoreAdj,
    },
    root: { path: rootfs, readonly: hostSandbox || (opts.readOnly ?? false) },
    hostname,
    mounts: privileged ? mounts.map(privilegedMount) : mounts,
    linux: {
      namespaces,
      uidMappings: maps?.uid,
      gidMappings: maps?.gid,
      devices: privileged ? [] : defaultDevices(),
      maskedPaths: privileged ? [] : DEFAULT_MASKED_PATHS,
      readonlyPaths: privileged ? [] : DEFAULT_READONLY_PATHS,
      sysctl: parseSysctls(opts.sysctl ?? []),
      resources: buildResources(opts),
      cgroupsPath: `/${(opts.cgroupParent ?? "burrow").replace(/^\/+|\/+$/g, "")}/${ctx.id}`,
    },
    annotations: {
      "org.burrow.id": ctx.id,
      ...(image ? overlayAnnotations(overlayFor(image, userns, opts.rm ?? false)) : {}),
    },
  };
  if (wanted.workdir && !isAbsolute(wanted.workdir)) throw usageError(`the working directory "${wanted.workdir}" is not absolute`, "-w");
  return spec;
}

/** The container's overlay: a --rm container's upper dir is thrown away, so its overlay need not sync. */
function overlayFor(image: { resolved: { layerDirs: string[] }; upper: string; work: string }, userns: boolean, autoRemove: boolean): OverlayDirs {
  const driver = chooseOverlayDriver(userns);
  const volatile = autoRemove && driver === "kernel" && canMountVolatile();
  return { lower: image.resolved.layerDirs.join(":"), upper: image.upper, work: image.work, driver, volatile };
}

function checkRootfs(path: string): string {
  const rootfs = resolve(path);
  let isDir: boolean;
  try {
    isDir = statSync(rootfs).isDirectory();
  } catch (err) {
    throw fromSystemError(err, "rootfs", rootfs);
  }
  if (!isDir) throw new BurrowError({ step: "rootfs", object: rootfs, errno: errnoNumber("ENOTDIR") });
  return rootfs;
}

function readHostname(): string {
  try {
    return readFileSync("/proc/sys/kernel/hostname", "utf8").trim();
  } catch {
    return "localhost";
  }
}

function buildNamespaces(opts: RunOptions, hostNetwork: boolean): Namespace[] {
  const ns: NamespaceType[] = ["mount"];
  if (opts.pid !== "host") ns.push("pid");
  if (!hostNetwork) ns.push("network");
  if (opts.ipc !== "host") ns.push("ipc");
  if (opts.uts !== "host") ns.push("uts");
  if (opts.cgroupns !== "host") ns.push("cgroup");
  const rootless = process.getuid!() !== 0;
  const askedUserns = (opts.userns !== undefined && opts.userns !== "host") || (opts.uidmap?.length ?? 0) > 0;
  if (opts.userns === "host" && rootless) {
    throw usageError("an unprivileged user cannot share the host's user namespace", "--userns");
  }
  if (askedUserns || rootless) ns.push("user");
  return ns.map((type) => ({ type }));
}

function idMaps(opts: RunOptions): IdMaps {
  const uid = (opts.uidmap ?? []).map((m) => parseIdMapping(m, "--uidmap"));
  const gid = (opts.gidmap ?? []).map((m) => parseIdMapping(m, "--gidmap"));
  if (uid.length === 0 && gid.length === 0) return defaultIdMaps();
  // podman: a uid map alone is used for gids too
  return { uid: uid.length ? uid : gid, gid: gid.length ? gid : uid };
}

function isMapped(maps: IdMaps | undefined, gid: number): boolean {
  if (!maps) return true;
  return maps.gid.some((m) => gid >= m.containerID && gid < m.containerID + m.size);
}

function adjustDefaultMount(m: Mount, opts: RunOptions, maps: IdMaps | undefined): Mount {
  // devpts refuses gid=5 when the tty group is not mapped
  if (m.type === "devpts" && !isMapped(maps, 5)) return { ...m, options: m.options?.filter((o) => o !== "gid=5") };
  if (m.type === "sysfs" && opts.privileged) return { ...m, options: m.options?.filter((o) => o !== "ro") };
  return m;
}

/** --privileged: the host's devices instead of a minimal /dev. */
function privilegedMount(m: Mount): Mount {
  if (m.destination === "/dev" && m.type === "tmpfs") return { destination: "/dev", type: "bind", source: "/dev", options: ["rbind", "nosuid"] };
  return m;
}

function sortByDepth(mounts: Mount[]): Mount[] {
  const depth = (m: Mount) => m.destination.split("/").filter(Boolean).length;
  return mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m) - depth(b.m) || a.i - b.i).map(({ m }) => m);
}

/** -v HOST:CONTAINER[:OPTIONS] */
export function parseVolume(text: string): Mount {
  const [source = "", destination, options = "", ...extra] = text.split(":");
  if (!destination || extra.length > 0) throw usageError(`invalid volume specification "${text}"`, "-v");
  if (!isAbsolute(source)) {
    throw usageError(`named volumes are not supported yet; give an absolute host path ("${source}")`, "-v");
  }
  if (!isAbsolute(destination)) throw usageError(`invalid volume specification "${text}": the container path must be absolute`, "-v");
  if (destination === "/") throw usageError(`invalid volume specification "${text}": cannot mount over /`, "-v");
  const opts = options.split(",").filter(Boolean);
  for (const o of opts) {
    if (!["ro", "rw", "z", "Z", "rro", "private", "rprivate", "shared", "rshared", "slave", "rslave", "nocopy", "consistent", "cached", "delegated"].includes(o)) {
      throw usageError(`invalid volume specification "${text}": unknown option "${o}"`, "-v");
    }
  }
  try {
    statSync(source);
  } catch (err) {
    throw fromSystemError(err, "bind mount source", source);
  }
  const hasPropagation = opts.some((o) => /^r?(private|shared|slave)$/.test(o));
  return { destination, type: "bind", source, options: ["rbind", ...(hasPropagation ? [] : ["rprivate"]), ...opts] };
}

/** --tmpfs PATH[:OPTIONS] */
export function parseTmpfs(text: string): Mount {
  const at = text.indexOf(":");
  const destination = at < 0 ? text : text.slice(0, at);
  const options = at < 0 ? [] : text.slice(at + 1).split(",").filter(Boolean);
  if (!isAbsolute(destination)) throw usageError(`invalid tmpfs mount "${text}": the path must be absolute`, "--tmpfs");
  return { destination, type: "tmpfs", source: "tmpfs", options: ["noexec", "nosuid", "nodev", ...options] };
}

function parseEnvFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw fromSystemError(err, "read env file", path);
  }
  return text
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.trim() && !l.trimStart().startsWith("#"));
}

/** KEY=VALUE as given; a bare KEY takes the host's value, or is left out. */
function expandEnv(entries: string[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.includes("=")) {
      if (e.startsWith("=")) throw usageError(`invalid environment variable "${e}"`, "-e");
      out.push(e);
    } else if (process.env[e] !== undefined) {
      out.push(`${e}=${process.env[e]}`);
    }
  }
  return out;
}

function buildEnv(opts: RunOptions, hostname: string, home: string, imageEnv: string[]): string[] {
  const env = new Map<string, string>();
  env.set("PATH", DEFAULT_PATH);
  env.set("HOSTNAME", hostname);
  for (const e of imageEnv) {
    const at = e.indexOf("=");
    if (at > 0) env.set(e.slice(0, at), e.slice(at + 1));
  }
  if (opts.tty) env.set("TERM", process.env.TERM || "xterm");
  const given = [...(opts.envFile ?? []).flatMap(parseEnvFile), ...(opts.env ?? [])];
  for (const e of expandEnv(given)) {
    const at = e.indexOf("=");
    env.set(e.slice(0, at), e.slice(at + 1));
  }
  if (!env.has("HOME")) env.set("HOME", home);
  return [...env].map(([k, v]) => `${k}=${v}`);
}

function buildCapabilities(opts: RunOptions, uid: number): Capabilities {
  const all = allCapabilities();
  let set = new Set(opts.privileged ? all : DEFAULT_CAPABILITIES);
  for (const c of (opts.capAdd ?? []).map(normalizeCapability)) {
    if (c === "ALL") set = new Set(all);
    else set.add(c);
  }
  for (const c of (opts.capDrop ?? []).map(normalizeCapability)) {
    if (c === "ALL") set.clear();
    else set.delete(c);
  }
  const caps = all.filter((c) => set.has(c));
  // like Docker: a non-root user starts with no effective capabilities;
  // the bounding set still limits what setuid/file capabilities can give
  const running = uid === 0 ? caps : [];
  return { bounding: caps, effective: running, permitted: running, inheritable: [], ambient: [] };
}

function noNewPrivileges(securityOpt: string[]): boolean {
  let value = true;
  for (const o of securityOpt) {
    const m = /^no-new-privileges(?:[:=](true|false))?$/.exec(o);
    if (m) value = m[1] !== "false";
    else throw usageError(`unsupported security option "${o}"`, "--security-opt");
  }
  return value;
}

const ULIMIT_NAMES: Record<string, string> = {
  core: "RLIMIT_CORE",
  cpu: "RLIMIT_CPU",
  data: "RLIMIT_DATA",
  fsize: "RLIMIT_FSIZE",
  locks: "RLIMIT_LOCKS",
  memlock: "RLIMIT_MEMLOCK",
  msgqueue: "RLIMIT_MSGQUEUE",
  nice: "RLIMIT_NICE",
  nofile: "RLIMIT_NOFILE",
  nproc: "RLIMIT_NPROC",
  rss: "RLIMIT_RSS",
  rtprio: "RLIMIT_RTPRIO",
  rttime: "RLIMIT_RTTIME",
  sigpending: "RLIMIT_SIGPENDING",
  stack: "RLIMIT_STACK",
  as: "RLIMIT_AS",
};

/** --ulimit nofile=1024[:2048] ("-1" or "unlimited" for no limit) */
function parseUlimit(text: string): Rlimit {
  const m = /^([a-z]+)=(-?\w+)(?::(-?\w+))?$/.exec(text);
  const type = m ? ULIMIT_NAMES[m[1]!] : undefined;
  if (!m || !type) throw usageError(`invalid ulimit "${text}" (expected NAME=SOFT[:HARD])`, "--ulimit");
  // -1 is RLIM_INFINITY once it is a 64-bit unsigned value
  const value = (v: string) => (v === "-1" || v === "unlimited" ? -1 : Number(v));
  const soft = value(m[2]!);
  const hard = m[3] !== undefined ? value(m[3]) : soft;
  const bigger = (a: number, b: number) => (a === -1 ? b !== -1 : b !== -1 && a > b);
  if (!Number.isInteger(soft) || !Number.isInteger(hard) || soft < -1 || hard < -1 || bigger(soft, hard)) {
    throw usageError(`invalid ulimit "${text}"`, "--ulimit");
  }
  return { type, soft, hard };
}

function parseSysctls(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of list) {
    const at = s.indexOf("=");
    if (at <= 0) throw usageError(`invalid sysctl "${s}" (expected KEY=VALUE)`, "--sysctl");
    out[s.slice(0, at)] = s.slice(at + 1);
  }
  return out;
}

