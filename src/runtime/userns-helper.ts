/**
 * Rootless image work: files owned by the user's subordinate ids (layers,
 * a container's upper dir) can be made and removed only from inside a user
 * namespace that maps them. burrow runs itself there, with a plan that
 * joins nothing else: a user namespace, its root, exec.
 */
import { closeSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import { defaultIdMaps } from "../linux/idmap.ts";
import { waitChild } from "../linux/launcher.ts";
import { DEFAULT_PATH } from "../spec/defaults.ts";
import { launchPlan } from "./launch.ts";
import { CLONE_FLAGS } from "./plan.ts";
import { Op } from "./plan-format.ts";
import { rootOverride } from "./paths.ts";

export const rootless = () => process.getuid!() !== 0;

/** Run `burrow ARGS...` as root of the user's own user namespace; throws unless it exits 0. */
export function runInUserNamespace(args: string[], what: string): void {
  const self = Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
  const override = rootOverride();
  const argv = [...self, ...(override ? ["--root", override] : []), ...args];
  const env = [`PATH=${DEFAULT_PATH}`, `HOME=${process.env.HOME ?? "/"}`];
  const plan = {
    cloneFlags: CLONE_FLAGS.user,
    ops: [
      { code: Op.Pdeathsig, ints: [9], step: "set parent-death signal" },
      { code: Op.WaitSync, step: "wait for parent" },
      { code: Op.SetResId, ints: [0, 0], step: "become root in the user namespace" },
      { code: Op.Exec, ints: [argv.length, env.length], strs: [argv[0]!, DEFAULT_PATH, ...argv, ...env], step: "exec", object: argv[0] },
    ],
  } as const;
  const child = launchPlan({ cloneFlags: plan.cloneFlags, ops: [...plan.ops] }, { maps: defaultIdMaps() });
  const result = waitChild(child.pidfd);
  closeSync(child.pidfd);
  if (result.exitCode !== 0) throw new BurrowError({ step: what, reason: `the helper in the user namespace exited with ${result.exitCode}` });
}
