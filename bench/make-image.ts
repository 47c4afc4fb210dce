/**
 * A ~200 MiB, 5-layer image for bench/pull.sh, written as an OCI layout:
 * bun bench/make-image.ts DIR TAG
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildImage, tarOf, writeLayout } from "../test/helpers/images.ts";
import { busyboxRootfs } from "../test/helpers/burrow.ts";

const [dir, tag] = process.argv.slice(2);
if (!dir || !tag) throw new Error("usage: bun bench/make-image.ts DIR TAG");
const tars = [tarOf(busyboxRootfs())];
for (let i = 1; i <= 4; i++) {
  const layer = mkdtempSync(join(tmpdir(), "burrow-bench-layer-"));
  mkdirSync(join(layer, `data${i}`));
  // half random, half text: compresses about as real layers do
  for (let f = 0; f < 50; f++) {
    const random = crypto.getRandomValues(new Uint8Array(256 * 1024));
    const text = Buffer.from(random).toString("base64");
    writeFileSync(join(layer, `data${i}`, `file${f}`), Buffer.concat([Buffer.from(random), Buffer.from(text)]));
  }
  tars.push(tarOf(layer));
  rmSync(layer, { recursive: true, force: true });
}
const image = buildImage(tars, { cmd: ["true"] });
writeLayout(dir, tag, image.manifest, [image]);
console.log(`${image.manifest.digest} ${tars.reduce((n, t) => n + t.length, 0)} bytes in ${tars.length} layers`);
