/**
 * burrow update [OPTIONS] CONTAINER...: change the limits of running containers.
 */
import { BurrowError, usageError } from "../errors.ts";
import { openCgroup } from "../runtime/container-cgroup.ts";
import { findContainer } from "../runtime/lookup.ts";
import { buildResources } from "../spec/resources.ts";
import type { Command, OptionDefs } from "./command.ts";
import { resourceFlagsFrom, resourceOptions } from "./resource-flags.ts";
import { writeOut } from "../output.ts";

const options: OptionDefs = {
  ...resourceOptions,
  help: { type: "boolean", description: "Print usage" },
};

export const updateCommand: Command = {
  meta: { name: "update", description: "Update configuration of one or more containers" },
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  options,
  run(args) {
    if (args.positionals.length === 0) throw usageError("burrow update needs at least one container");
    const resources = buildResources(resourceFlagsFrom(args));
    if (!resources) throw usageError("you must provide one or more flags when using this command");
    for (const ref of args.positionals) {
      const c = findContainer(ref);
      if (c.status !== "running" || !c.cgroup) {
        throw new BurrowError({ step: "update", object: ref, reason: c.cgroup ? "the container is not running" : "the container has no cgroup" });
      }
      openCgroup(c.cgroup).update(resources);
      writeOut(`${ref}\n`);
    }
    return 0;
  },
};
