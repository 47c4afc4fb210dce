/**
 * Image fixtures built by the tests: layers made with GNU tar from
 * directories, OCI image layouts around them, a real registry
 * (docker-registry, Debian's package) on 127.0.0.1, and a small fake
 * registry for what a real one would refuse to serve (bad digests, strange
 * media types) and for bearer tokens.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export const sha256 = (data: Uint8Array) => `sha256:${new Bun.CryptoHasher("sha256").update(data).digest("hex")}`;
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** A tar of a directory's contents, as an image layer (numeric owners, sorted). */
export function tarOf(dir: string): Uint8Array {
  const r = Bun.spawnSync(["tar", "--numeric-owner", "--sort=name", "--xattrs", "-C", dir, "-cf", "-", "."], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tar: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

export type Compression = "gzip" | "zstd" | "none";

export interface Blob {
  digest: string;
  data: Uint8Array;
  mediaType: string;
}

export interface BuiltImage {
  manifest: Blob;
  config: Blob;
  layers: Blob[];
}

export function buildImage(layerTars: Uint8Array[], opts: { compression?: Compression; cmd?: string[]; arch?: string; env?: string[] } = {}): BuiltImage {
  const compression = opts.compression ?? "gzip";
  const layers = layerTars.map((tar) => {
    const data = compression === "gzip" ? gzipSync(tar) : compression === "zstd" ? Bun.zstdCompressSync(tar) : tar;
    const mediaType = `application/vnd.oci.image.layer.v1.tar${compression === "none" ? "" : `+${compression}`}`;
    return { digest: sha256(data), data, mediaType };
  });
  const configData = bytes({
    architecture: opts.arch ?? "amd64",
    os: "linux",
    created: "2026-01-01T00:00:00Z",
    config: { Env: opts.env ?? ["PATH=/bin", "FROM_IMAGE=yes"], Cmd: opts.cmd ?? ["sh"], WorkingDir: "/" },
    rootfs: { type: "layers", diff_ids: layerTars.map(sha256) },
  });
  const config = { digest: sha256(configData), data: configData, mediaType: "application/vnd.oci.image.config.v1+json" };
  const manifestData = bytes({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: config.mediaType, digest: config.digest, size: configData.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.data.length })),
  });
  return { manifest: { digest: sha256(manifestData), data: manifestData, mediaType: "application/vnd.oci.image.manifest.v1+json" }, config, layers };
}

export function indexOf(images: Array<{ image: BuiltImage; arch: string }>): Blob {
  const data = bytes({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: images.map(({ image, arch }) => ({
      mediaType: image.manifest.mediaType,
      digest: image.manifest.digest,
      size: image.manifest.data.length,
      platform: { os: "linux", architecture: arch },
    })),
  });
  return { digest: sha256(data), data, mediaType: "application/vnd.oci.image.index.v1+json" };
}

/** An OCI image layout directory with one tagged image (or index) in it. */
export function writeLayout(dir: string, tag: string, top: Blob, images: BuiltImage[]): void {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const put = (b: Blob) => writeFileSync(join(dir, "blobs", "sha256", b.digest.slice(7)), b.data);
  for (const image of images) for (const b of [image.manifest, image.config, ...image.layers]) put(b);
  put(top);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: top.mediaType, digest: top.digest, size: top.data.length, annotations: { "org.opencontainers.image.ref.name": tag } }],
    }),
  );
}

export interface Registry {
  host: string;
  stop(): void;
}

/** docker-registry on 127.0.0.1 with its data in a temp dir; htpasswd auth when given users. */
export async function startRegistry(users?: Record<string, string>): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "burrow-registry-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  let auth = "";
  if (users) {
    const lines = await Promise.all(Object.entries(users).map(async ([u, p]) => `${u}:${await Bun.password.hash(p, { algorithm: "bcrypt", cost: 5 })}`));
    writeFileSync(join(dir, "htpasswd"), `${lines.join("\n")}\n`);
    auth = `auth:\n  htpasswd:\n    realm: burrow-test\n    path: ${dir}/htpasswd\n`;
  }
  writeFileSync(join(dir, "config.yml"), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`);
  const proc = Bun.spawn(["docker-registry", "serve", join(dir, "config.yml")], { stdout: "ignore", stderr: "ignore" });
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/v2/`);
      break;
    } catch {
      await Bun.sleep(25);
    }
  }
  return {
    host: `127.0.0.1:${port}`,
    stop() {
      proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** skopeo copy of a layout's tag (all platforms) into the registry */
export function push(layoutDir: string, tag: string, dest: string, creds?: string): void {
  const args = ["skopeo", "copy", "--all", "--preserve-digests", "--dest-tls-verify=false", ...(creds ? ["--dest-creds", creds] : []), `oci:${layoutDir}:${tag}`, `docker://${dest}`];
  const r = Bun.spawnSync(args, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`skopeo: ${r.stderr}`);
}

export interface FakeRegistryOptions {
  /** serve these bytes instead of the real ones for a digest */
  tamper?: Map<string, Uint8Array>;
  /** a Bearer token is required, issued at /token */
  bearer?: boolean;
  /** change the manifest's media type */
  mediaType?: string;
}

/** A registry in this process: serves blobs and manifests from memory, as told. */
export function fakeRegistry(repo: string, tag: string, image: BuiltImage, opts: FakeRegistryOptions = {}) {
  const blobs = new Map<string, Uint8Array>();
  for (const b of [image.config, ...image.layers]) blobs.set(b.digest, opts.tamper?.get(b.digest) ?? b.data);
  let tokensIssued = 0;
  let port = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req): Response {
      const url = new URL(req.url);
      if (url.pathname === "/token") {
        tokensIssued++;
        return Response.json({ token: "let-me-in" });
      }
      if (opts.bearer && req.headers.get("authorization") !== "Bearer let-me-in") {
        return new Response("{}", {
          status: 401,
          headers: { "WWW-Authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="fake",scope="repository:${repo}:pull"` },
        });
      }
      const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
      if (!m || m[1] !== repo) return new Response("not found", { status: 404 });
      if (m[2] === "manifests") {
        if (m[3] !== tag && m[3] !== image.manifest.digest) return new Response("{}", { status: 404 });
        return new Response(image.manifest.data, { headers: { "Content-Type": opts.mediaType ?? image.manifest.mediaType } });
      }
      const blob = blobs.get(m[3]!);
      return blob ? new Response(blob) : new Response("{}", { status: 404 });
    },
  });
  port = server.port ?? 0;
  return {
    host: `127.0.0.1:${port}`,
    tokens: () => tokensIssued,
    stop: () => server.stop(true),
  };
}

/** The layers of the fixture image: a base, then one that deletes, replaces and empties. */
export function fixtureLayers(busyboxRootfs: string): Uint8Array[] {
  const base = mkdtempSync(join(tmpdir(), "burrow-layer-"));
  const top = mkdtempSync(join(tmpdir(), "burrow-layer-"));
  try {
    Bun.spawnSync(["cp", "-a", `${busyboxRootfs}/.`, base]);
    mkdirSync(join(base, "data/opaque"), { recursive: true });
    writeFileSync(join(base, "data/deleted"), "gone soon\n");
    writeFileSync(join(base, "data/replaced"), "old\n");
    writeFileSync(join(base, "data/opaque/old"), "hidden by the opaque dir\n");
    writeFileSync(join(base, "data/original"), "linked\n");
    Bun.spawnSync(["ln", join(base, "data/original"), join(base, "data/hardlink")]);
    Bun.spawnSync(["ln", "-s", "original", join(base, "data/symlink")]);
    writeFileSync(join(base, "data/setuid"), "#!/bin/sh\n");
    chmodSync(join(base, "data/setuid"), 0o4755);
    Bun.spawnSync(["chown", "1000:1000", join(base, "data/original")]);

    mkdirSync(join(top, "data/opaque"), { recursive: true });
    writeFileSync(join(top, "data/.wh.deleted"), "");
    writeFileSync(join(top, "data/replaced"), "new\n");
    writeFileSync(join(top, "data/opaque/.wh..wh..opq"), "");
    writeFileSync(join(top, "data/opaque/new"), "only this\n");
    return [tarOf(base), tarOf(top)];
  } finally {
    rmSync(base, { recursive: true, force: true });
    rmSync(top, { recursive: true, force: true });
  }
}
