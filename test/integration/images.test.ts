/**
 * Images: a real registry on 127.0.0.1 (with and without basic auth), a
 * fake one for bearer tokens and for what a real one would never serve,
 * layers with whiteouts and an opaque dir, overlayfs containers, archives,
 * and bad input that must leave the store as it was.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BURROW, burrow, burrowAwait, burrowMounts, busyboxRootfs, leftoverContainers, tempRoot } from "../helpers/burrow.ts";
import { buildImage, fakeRegistry, fixtureLayers, indexOf, push, startRegistry, tarOf, writeLayout, type BuiltImage, type Registry } from "../helpers/images.ts";

const root = tempRoot();
const work = mkdtempSync(join(tmpdir(), "burrow-images-"));
const b = (...args: string[]) => burrow(args, { root });
const mountsBefore = burrowMounts();

let registry: Registry;
let authRegistry: Registry;
let image: BuiltImage;

function storeFiles(): string[] {
  const out = Bun.spawnSync(["find", join(root, "data"), "-path", "*/containers", "-prune", "-o", "-print"]).stdout.toString();
  return out.split("\n").filter((l) => l && !l.endsWith("/containers") && !l.includes("images.lock")).sort();
}

beforeAll(async () => {
  image = buildImage(fixtureLayers(busyboxRootfs()));
  const layout = join(work, "layout");
  writeLayout(layout, "v1", image.manifest, [image]);
  // a multi-arch index: amd64 is the fixture, arm64 a different config
  const arm = buildImage([tarOf(busyboxRootfs())], { arch: "arm64", cmd: ["echo", "arm"] });
  const zstd = buildImage(fixtureLayers(busyboxRootfs()), { compression: "zstd" });
  writeLayout(join(work, "multi"), "multi", indexOf([{ image, arch: "amd64" }, { image: arm, arch: "arm64" }]), [image, arm]);
  writeLayout(join(work, "zstd"), "zstd", zstd.manifest, [zstd]);
  registry = await startRegistry();
  authRegistry = await startRegistry({ alice: "secret" });
  push(layout, "v1", `${registry.host}/test/fixture:v1`);
  push(join(work, "multi"), "multi", `${registry.host}/test/multi:latest`);
  push(join(work, "zstd"), "zstd", `${registry.host}/test/zstd:latest`);
  push(layout, "v1", `${authRegistry.host}/private/fixture:v1`, "alice:secret");
}, 120_000);

afterAll(() => {
  b("rm", "-f", ...b("ps", "-aq").stdout.split("\n").filter(Boolean));
  registry?.stop();
  authRegistry?.stop();
  expect(leftoverContainers(root)).toEqual([]);
  expect(burrowMounts()).toEqual(mountsBefore);
  rmSync(work, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe("pull and run", () => {
  test("pull → run: merged files, whiteouts, opaque dir, links, setuid", () => {
    const p = b("pull", `${registry.host}/test/fixture:v1`);
    expect(p.exitCode).toBe(0);
    expect(p.stdout.trim().split("\n").at(-1)).toBe(`${registry.host}/test/fixture:v1`);
    expect(p.stdout).toContain("pull complete");
    expect(p.stderr).toBe("");
    const r = b(
      "run", "--rm", `${registry.host}/test/fixture:v1`, "sh", "-c",
      "ls /data/deleted 2>&1; cat /data/replaced; ls /data/opaque; stat -c '%i %U %a' /data/original /data/hardlink /data/setuid; readlink /data/symlink; echo $FROM_IMAGE",
    );
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toContain("No such file or directory");
    expect(lines[1]).toBe("new");
    expect(lines[2]).toBe("new");
    const [orig, hard, setuid] = [lines[3]!, lines[4]!, lines[5]!].map((l) => l.split(" "));
    expect(hard![0]).toBe(orig![0]); // same inode: a hard link
    expect(orig![1]).toBe("alice");
    expect(setuid![2]).toBe("4755");
    expect(lines[6]).toBe("original");
    expect(lines[7]).toBe("yes");
  });

  test("the image's Cmd runs when no command is given; --entrypoint replaces it", () => {
    b("pull", "-q", `${registry.host}/test/fixture:v1`);
    expect(b("run", "--rm", "-i", `${registry.host}/test/fixture:v1`).exitCode).toBe(0); // sh, reading nothing
    expect(b("run", "--rm", "--entrypoint", "echo", `${registry.host}/test/fixture:v1`, "hi").stdout).toBe("hi\n");
  });

  test("writes stay in the container: not in the layers, not in another container of the image", () => {
    const ref = `${registry.host}/test/fixture:v1`;
    b("run", "-d", "--name", "one", ref, "sh", "-c", "echo mine > /data/replaced; echo x > /made-here; sleep 30");
    b("run", "-d", "--name", "two", ref, "sleep", "30");
    for (let i = 0; i < 100 && !b("exec", "one", "test", "-e", "/made-here").exitCode === false; i++) Bun.sleepSync(20);
    Bun.sleepSync(200);
    expect(b("exec", "one", "cat", "/data/replaced").stdout).toBe("mine\n");
    expect(b("exec", "two", "cat", "/data/replaced").stdout).toBe("new\n");
    expect(b("exec", "two", "ls", "/made-here").exitCode).not.toBe(0);
    const layers = readdirSync(join(root, "data", "layers")).filter((d) => !d.startsWith("."));
    for (const l of layers) expect(existsSync(join(root, "data", "layers", l, "made-here"))).toBe(false);
    expect(b("run", "--rm", ref, "cat", "/data/replaced").stdout).toBe("new\n");
    b("rm", "-f", "one", "two");
  });

  test("a --rm container's overlay does not sync (volatile); a kept one's does", () => {
    const ref = `${registry.host}/test/fixture:v1`;
    const rootOptions = (args: string[]) => b("run", ...args, ref, "sh", "-c", "grep ' / ' /proc/self/mountinfo").stdout;
    expect(rootOptions(["--rm"])).toContain("volatile");
    expect(rootOptions(["--name", "kept"])).not.toContain("volatile");
    b("rm", "kept");
  });

  test("a multi-arch index: linux/amd64 by default, --platform for another", () => {
    const amd = b("pull", "-q", `${registry.host}/test/multi`);
    expect(amd.stdout.trim()).toBe(image.config.digest);
    const arm = b("pull", "-q", "--platform", "linux/arm64", `${registry.host}/test/multi`);
    expect(arm.exitCode).toBe(0);
    expect(arm.stdout.trim()).not.toBe(image.config.digest);
    const none = b("pull", "--platform", "linux/s390x", `${registry.host}/test/multi`);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("no image for platform linux/s390x");
  });

  test("zstd layers", () => {
    expect(b("pull", "-q", `${registry.host}/test/zstd`).exitCode).toBe(0);
    expect(b("run", "--rm", `${registry.host}/test/zstd`, "cat", "/data/replaced").stdout).toBe("new\n");
  });

  test("basic auth: refused without credentials, works after login", () => {
    const ref = `${authRegistry.host}/private/fixture:v1`;
    const denied = b("pull", ref);
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr.trim().split("\n")).toHaveLength(1);
    expect(denied.stderr).toContain("unauthorized");
    const wrong = b("login", "-u", "alice", "-p", "wrong", authRegistry.host);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain("unauthorized");
    expect(b("login", "-u", "alice", "-p", "secret", authRegistry.host).stdout).toBe("Login Succeeded\n");
    expect(b("pull", "-q", ref).exitCode).toBe(0);
    b("logout", authRegistry.host);
  });

  test("bearer tokens from the WWW-Authenticate challenge", async () => {
    const fake = fakeRegistry("bearer/img", "v1", image, { bearer: true });
    try {
      expect((await burrowAwait(["pull", "-q", `${fake.host}/bearer/img:v1`], { root })).exitCode).toBe(0);
      expect(fake.tokens()).toBeGreaterThan(0);
    } finally {
      fake.stop();
    }
  });
});

describe("archives and the store", () => {
  test("save → rmi → load gives the same digests", () => {
    const ref = `${registry.host}/test/fixture:v1`;
    b("pull", "-q", ref);
    const before = JSON.parse(b("image", "inspect", ref).stdout)[0];
    expect(b("save", "-o", join(work, "saved.tar"), ref).exitCode).toBe(0);
    expect(b("rmi", ref).exitCode).toBe(0);
    expect(b("load", "-i", join(work, "saved.tar")).stdout).toContain("Loaded image");
    const after = JSON.parse(b("image", "inspect", ref).stdout)[0];
    expect(after.Id).toBe(before.Id);
    expect(after.Manifest).toBe(before.Manifest);
    expect(after.RootFS).toEqual(before.RootFS);
  });

  test("an OCI archive whose ref.name is a tag alone loads as an unnamed image", () => {
    const tar = join(work, "tag-only.tar");
    Bun.spawnSync(["tar", "-C", join(work, "layout"), "-cf", tar, "."]);
    const fresh = tempRoot();
    try {
      const r = burrow(["load", "-i", tar], { root: fresh });
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^Loaded image ID: sha256:[0-9a-f]{64}\n$/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test("import a rootfs tarball, tag, images --json, rmi refuses while a container uses it", () => {
    const tarball = join(work, "rootfs.tar");
    writeFileSync(tarball, tarOf(busyboxRootfs()));
    const id = b("import", "--change", 'CMD ["sh"]', tarball, "imported:1").stdout.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b("tag", "imported:1", "imported:2").exitCode).toBe(0);
    const list = JSON.parse(b("images", "--json").stdout) as Array<{ Repository: string; Tag: string; ID: string }>;
    expect(list.filter((i) => i.Repository === "imported").map((i) => i.Tag).sort()).toEqual(["1", "2"]);
    b("run", "--name", "user", "imported:1", "true");
    const refused = b("rmi", "imported:1");
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("is using it");
    b("rm", "user");
    expect(b("rmi", "imported:1", "imported:2").exitCode).toBe(0);
    expect(b("images", "-q").stdout).not.toContain(id.slice(7, 19));
  });

  test("commit then run the new image; export the container's whole filesystem", () => {
    const ref = `${registry.host}/test/fixture:v1`;
    b("pull", "-q", ref);
    b("run", "--name", "tocommit", ref, "sh", "-c", "echo committed > /data/replaced; rm /data/original; mkdir /made; echo here > /made/file");
    const id = b("commit", "tocommit", "committed:v2").stdout.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const r = b("run", "--rm", "committed:v2", "sh", "-c", "cat /data/replaced /made/file; ls /data/original 2>&1; ls /data/opaque");
    expect(r.stdout).toContain("committed\nhere\n");
    expect(r.stdout).toContain("No such file or directory");
    expect(r.stdout.trim().split("\n").at(-1)).toBe("new");
    expect(JSON.parse(b("image", "inspect", "committed:v2").stdout)[0].RootFS.Layers).toHaveLength(3);
    expect(b("export", "-o", join(work, "export.tar"), "tocommit").exitCode).toBe(0);
    const listing = Bun.spawnSync(["tar", "tf", join(work, "export.tar")]).stdout.toString().split("\n");
    expect(listing).toContain("made/file");
    expect(listing).toContain("data/opaque/new");
    expect(listing).not.toContain("data/opaque/old");
    expect(listing).not.toContain("data/original");
    expect(listing).not.toContain("data/deleted");
    b("rm", "tocommit");
    b("rmi", "committed:v2");
  });

  test("two pulls of one image at once both succeed, and one copy is kept", async () => {
    const ref = `${registry.host}/test/zstd:latest`;
    b("rmi", "-f", ref);
    const [x, y] = await Promise.all([burrowAwait(["pull", "-q", ref], { root }), burrowAwait(["pull", "-q", ref], { root })]);
    expect([x.exitCode, y.exitCode]).toEqual([0, 0]);
    expect(x.stdout).toBe(y.stdout);
    const layers = readdirSync(join(root, "data", "layers"));
    expect(layers.filter((l) => l.startsWith(".tmp"))).toEqual([]);
    expect(new Set(layers).size).toBe(layers.length);
  });

  test("a pull killed midway: the next pull finishes, prune clears what it left", async () => {
    const ref = `${registry.host}/test/fixture:v1`;
    b("rmi", "-f", ref);
    b("image", "prune");
    for (const delay of [5, 20, 40]) {
      const child = Bun.spawn([BURROW, "--root", root, "pull", "-q", ref], { stdout: "ignore", stderr: "ignore" });
      await Bun.sleep(delay);
      child.kill("SIGKILL");
      await child.exited;
    }
    expect(b("pull", "-q", ref).exitCode).toBe(0);
    expect(b("run", "--rm", ref, "cat", "/data/replaced").stdout).toBe("new\n");
    b("image", "prune");
    expect(readdirSync(join(root, "data", "layers")).filter((l) => l.startsWith(".tmp"))).toEqual([]);
  });

  test("after rmi of everything and prune, the store is back to empty", () => {
    for (const id of new Set(b("images", "-q", "--no-trunc").stdout.split("\n").filter(Boolean))) b("rmi", "-f", id);
    b("image", "prune", "-f");
    expect(storeFiles().filter((f) => /\/(layers|blobs\/sha256)\/./.test(f))).toEqual([]);
  });
});

describe("bad input: one line, the store as it was", () => {
  async function unchanged(fn: () => { exitCode: number; stderr: string } | Promise<{ exitCode: number; stderr: string }>, message: string | RegExp) {
    const before = storeFiles();
    const r = await fn();
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(storeFiles()).toEqual(before);
  }

  test("a blob whose digest does not match", async () => {
    const bad = new Map([[image.layers[1]!.digest, new Uint8Array(image.layers[1]!.data.length).fill(7)]]);
    const fake = fakeRegistry("bad/img", "v1", image, { tamper: bad });
    try {
      await unchanged(() => burrowAwait(["pull", `${fake.host}/bad/img:v1`], { root }), /digest mismatch/);
    } finally {
      fake.stop();
    }
  });

  test("a truncated layer", async () => {
    const short = new Map([[image.layers[0]!.digest, image.layers[0]!.data.subarray(0, 1000)]]);
    const fake = fakeRegistry("short/img", "v1", image, { tamper: short });
    try {
      await unchanged(() => burrowAwait(["pull", `${fake.host}/short/img:v1`], { root }), /size 1000, expected/);
    } finally {
      fake.stop();
    }
  });

  test("a manifest of an unknown media type", async () => {
    const weird = buildImage([tarOf(busyboxRootfs())]);
    const text = new TextDecoder().decode(weird.manifest.data).replace("application/vnd.oci.image.manifest.v1+json", "application/x-weird");
    const fake = fakeRegistry("weird/img", "v1", { ...weird, manifest: { ...weird.manifest, data: new TextEncoder().encode(text) } });
    try {
      await unchanged(() => burrowAwait(["pull", `${fake.host}/weird/img:v1`], { root }), /unsupported manifest media type "application\/x-weird"/);
    } finally {
      fake.stop();
    }
  });

  test("a tar with ../ entries, and one with a symlink escape: nothing written outside", async () => {
    const outside = join(work, "outside");
    const dotdot = Bun.spawnSync(["python3", "-c", `
import tarfile, io, sys
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    i = tarfile.TarInfo("../../escaped"); data = b"x"; i.size = 1; t.addfile(i, io.BytesIO(data))
sys.stdout.buffer.write(buf.getvalue())
`]).stdout;
    writeFileSync(join(work, "dotdot.tar"), dotdot);
    await unchanged(() => b("import", join(work, "dotdot.tar"), "evil:1"), /leaves the layer/);
    const escape = Bun.spawnSync(["python3", "-c", `
import tarfile, io, sys
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    l = tarfile.TarInfo("link"); l.type = tarfile.SYMTYPE; l.linkname = "${outside}"; t.addfile(l)
    f = tarfile.TarInfo("link/pwned"); f.size = 1; t.addfile(f, io.BytesIO(b"x"))
sys.stdout.buffer.write(buf.getvalue())
`]).stdout;
    writeFileSync(join(work, "escape.tar"), escape);
    await unchanged(() => b("import", join(work, "escape.tar"), "evil:2"), /is a symlink/);
    expect(existsSync(join(outside, "pwned"))).toBe(false);
    expect(existsSync(join(root, "escaped"))).toBe(false);
  });

  test("a reference that does not parse, an unreachable registry, a missing tag", async () => {
    await unchanged(() => b("pull", "UPPER/case"), /invalid reference format/);
    await unchanged(() => b("pull", "127.0.0.1:1/nothing:here"), /cannot reach http:\/\/127\.0\.0\.1:1/);
    await unchanged(() => b("pull", `${registry.host}/test/fixture:missing`), /manifest unknown: missing not found/);
  });

  test("run of an image that is not there", () => {
    const r = b("run", "--rm", "not-pulled:1", "true");
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toBe("burrow: Unable to find image 'not-pulled:1' locally (burrow import or burrow load it first)\n");
  });
});

