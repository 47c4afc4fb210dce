/**
 * Find containers by name, full id or unique id prefix, as Docker does.
 */
import { readdirSync } from "node:fs";
import { BurrowError } from "../errors.ts";
import { containersDir } from "./paths.ts";
import { loadState, sweepStale, type ContainerState } from "./state.ts";

export function listContainers(): ContainerState[] {
  sweepStale(); // what a killed burrow left is gone before anyone looks
  let ids: string[];
  try {
    ids = readdirSync(containersDir()).filter((d) => !d.startsWith("."));
  } catch {
    return [];
  }
  return ids.map(loadState).filter((s): s is ContainerState => s !== undefined);
}

export function findContainer(ref: string): ContainerState {
  const all = listContainers();
  const byName = all.find((c) => c.name === ref || c.id === ref);
  if (byName) return byName;
  const byPrefix = ref.length > 0 ? all.filter((c) => c.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) throw new BurrowError({ step: "find container", object: ref, reason: "multiple containers match this id prefix" });
  throw new BurrowError({ step: "No such container:", object: ref, exitCode: 1 });
}
