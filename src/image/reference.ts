/**
 * Image references as Docker parses them:
 *   debian → docker.io/library/debian:latest
 *   host:5000/ns/img:tag, img@sha256:<64 hex>
 */
import { BurrowError } from "../errors.ts";

export interface Reference {
  registry: string;
  /** path in the registry: library/debian */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
export const DEFAULT_REGISTRY = "docker.io";

function invalid(text: string, why: string): BurrowError {
  return new BurrowError({ step: "invalid reference format:", object: text, reason: why });
}

export function parseReference(text: string): Reference {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(text, "a digest is sha256: and 64 hex digits");
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `"${tag}" is not a valid tag`);
  }
  const parts = rest.split("/");
  let registry = DEFAULT_REGISTRY;
  if (parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":") || parts[0] === "localhost")) registry = parts.shift()!;
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p))) {
    throw invalid(text, /[A-Z]/.test(rest) ? "repository name must be lowercase" : "expected [registry/]name[:tag][@digest]");
  }
  if (registry === DEFAULT_REGISTRY && parts.length === 1) parts.unshift("library");
  if (!tag && !digest) tag = "latest";
  return { registry, repository: parts.join("/"), tag, digest };
}

/** docker.io/library/debian:12 */
export function canonical(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** What Docker shows: "debian" for docker.io/library/debian, the registry otherwise */
export function familiarName(ref: Reference): string {
  if (ref.registry !== DEFAULT_REGISTRY) return `${ref.registry}/${ref.repository}`;
  return ref.repository.startsWith("library/") ? ref.repository.slice(8) : ref.repository;
}
