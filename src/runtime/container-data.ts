/**
 * A container's files on disk (its writable layer), removed with it. A
 * rootless container's upper dir holds files of its subordinate ids: the
 * removal happens in the user namespace that owns them.
 */
import { existsSync } from "node:fs";
import { removeTree } from "../image/store.ts";
import { containerDataDir } from "./paths.ts";

export function removeContainerData(id: string): void {
  const dir = containerDataDir(id);
  if (existsSync(dir)) removeTree(dir);
}
