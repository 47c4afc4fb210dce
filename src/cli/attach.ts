/**
 * burrow attach [--detach-keys KEYS] [--no-stdin] CONTAINER
 */
import { BurrowError, usageError } from "../errors.ts";
import { parseDetachKeys, attachTo } from "../runtime/attach.ts";
import { isRunning, refresh, waitContainer } from "../runtime/lifecycle.ts";
import { findContainer } from "../runtime/lookup.ts";
import type { Command } from "./command.ts";
import { bool, str } from "./options.ts";
import { writeErr } from "../output.ts";

export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

export const attachCommand: Command = {
  meta: { name: "attach", description: "Attach local standard input, output, and error streams to a running container" },
  usage: "[OPTIONS] CONTAINER",
  failureCode: 1,
  options: {
    "detach-keys": { type: "string", description: "Override the key sequence for detaching a container" },
    "no-stdin": { type: "boolean", description: "Do not attach STDIN" },
    "sig-proxy": { type: "boolean", description: "Proxy all received signals to the process (accepted)" },
    help: { type: "boolean", description: "Print usage" },
  },
  async run(args) {
    const ref = args.positionals[0];
    if (!ref) throw usageError("burrow attach needs a container");
    const keys = parseDetachKeys(str(args, "detach-keys") ?? DEFAULT_DETACH_KEYS);
    const container = refresh(findContainer(ref));
    if (!isRunning(container)) throw new BurrowError({ step: "You cannot attach to a stopped container, start it first", exitCode: 1 });
    const how = await attachTo(container, { detachKeys: keys, stdin: !bool(args, "no-stdin") && (container.interactive ?? false) });
    if (how === "detached") {
      writeErr("\r\nread escape sequence\r\n");
      return 0;
    }
    return await waitContainer(container.id);
  },
};
