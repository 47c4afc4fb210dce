/**
 * The OCI runtime spec (config.json), the parts burrow reads.
 * https://github.com/opencontainers/runtime-spec/blob/main/config.md
 * Every entry point (run, create, the library API) produces one of these.
 */

export interface Spec {
  ociVersion: string;
  process: Process;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts: Mount[];
  linux: Linux;
  annotations?: Record<string, string>;
}

export interface Process {
  terminal?: boolean;
  user: User;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  permitted?: string[];
  inheritable?: string[];
  ambient?: string[];
}

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export type NamespaceType = "pid" | "network" | "mount" | "ipc" | "uts" | "user" | "cgroup";

export interface Namespace {
  type: NamespaceType;
  /** join this namespace (a /proc/PID/ns/... path) instead of making a new one */
  path?: string;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface Device {
  type: "c" | "b" | "u" | "p";
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface Linux {
  namespaces: Namespace[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  devices?: Device[];
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: string;
  sysctl?: Record<string, string>;
  cgroupsPath?: string;
  resources?: Resources;
}

/** linux.resources: what the container's cgroup limits. */
export interface Resources {
  memory?: {
    limit?: number;
    reservation?: number;
    /** memory + swap, as cgroup v1's memsw; -1 for unlimited */
    swap?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
  };
  cpu?: {
    shares?: number;
    quota?: number;
    period?: number;
    cpus?: string;
    mems?: string;
  };
  pids?: { limit: number };
  blockIO?: {
    weight?: number;
    throttleReadBpsDevice?: ThrottleDevice[];
    throttleWriteBpsDevice?: ThrottleDevice[];
  };
}

export interface ThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}
