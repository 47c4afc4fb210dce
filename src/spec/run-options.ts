/**
 * What `burrow run` (and the library's run()) accepts, before it becomes a
 * runtime spec. Field names follow Docker's flags.
 */
import type { ResourceFlags } from "./resources.ts";

export interface RunOptions extends ResourceFlags {
  /** the root filesystem: a directory (or "/" for a read-only host sandbox)... */
  rootfs?: string;
  /** ...or an image from the local store */
  image?: string;
  /** --entrypoint: replaces the image's Entrypoint ("" clears it) */
  entrypoint?: string;
  command: string[];
  name?: string;
  hostname?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  groupAdd?: string[];
  volume?: string[];
  tmpfs?: string[];
  readOnly?: boolean;
  rm?: boolean;
  init?: boolean;
  tty?: boolean;
  interactive?: boolean;
  /** "host" shares the host's namespace; anything else makes a new one */
  pid?: string;
  network?: string;
  ipc?: string;
  uts?: string;
  cgroupns?: string;
  userns?: string;
  uidmap?: string[];
  gidmap?: string[];
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  securityOpt?: string[];
  ulimit?: string[];
  sysctl?: string[];
  dns?: string[];
  addHost?: string[];
  oomScoreAdj?: number;
  cgroupParent?: string;
  /** the signal `stop` sends first (default SIGTERM) */
  stopSignal?: string;
  logOptions?: { maxSize?: number; maxFile?: number };
}
