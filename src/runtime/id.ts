/**
 * Container ids (64 hex digits, as Docker's) and generated names.
 */
import { usageError } from "../errors.ts";

export function newContainerId(): string {
  // the global Web Crypto: importing node:crypto costs ~6 ms of start-up
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const ADJECTIVES = ["brave", "calm", "eager", "fond", "gentle", "happy", "keen", "lucid", "merry", "nimble", "proud", "quiet", "swift", "tender", "witty", "zen"];
const ANIMALS = ["badger", "mole", "rabbit", "fox", "vole", "wombat", "otter", "hedgehog", "marmot", "gopher", "meerkat", "prairie_dog", "armadillo", "aardvark", "ferret", "shrew"];

export function generateName(id: string): string {
  const a = ADJECTIVES[Number.parseInt(id.slice(0, 2), 16) % ADJECTIVES.length]!;
  const b = ANIMALS[Number.parseInt(id.slice(2, 4), 16) % ANIMALS.length]!;
  return `${a}_${b}_${id.slice(4, 8)}`;
}

/** Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
export function validateName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
    throw usageError(`invalid container name "${name}", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, "--name");
  }
  return name;
}
