/**
 * A client of the OCI distribution API (the Docker registry protocol):
 * manifests and blobs over HTTPS (HTTP for localhost, or when TLS checks are
 * off), bearer tokens from the WWW-Authenticate challenge or basic auth,
 * redirects to blob storage followed, transient failures retried.
 */
import { BurrowError } from "../errors.ts";
import { credentialsFor, type Credentials } from "./auth.ts";
import type { Reference } from "./reference.ts";

export const MANIFEST_TYPES = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
} as const;

const ACCEPT = Object.values(MANIFEST_TYPES).join(", ");
const ATTEMPTS = 4;

export interface RegistryOptions {
  /** false: plain HTTP and no certificate checks, for any registry */
  tlsVerify?: boolean;
  credentials?: Credentials;
}

function isLocal(host: string): boolean {
  const name = host.replace(/:\d+$/, "");
  return name === "localhost" || name === "127.0.0.1" || name === "[::1]";
}

export class RegistryClient {
  private authorization?: string;
  private readonly base: string;
  private readonly credentials?: Credentials;

  constructor(
    readonly ref: Reference,
    private readonly opts: RegistryOptions = {},
  ) {
    const host = ref.registry === "docker.io" ? "registry-1.docker.io" : ref.registry;
    const plain = isLocal(ref.registry) || opts.tlsVerify === false;
    this.base = `${plain ? "http" : "https"}://${host}`;
    this.credentials = opts.credentials ?? credentialsFor(ref.registry);
  }

  private fail(what: string, reason: string, hint?: string): BurrowError {
    return new BurrowError({ step: what, object: `${this.ref.registry}/${this.ref.repository}`, reason, hint });
  }

  /** GET with auth, retries and redirects; the response of the last attempt */
  async get(path: string, accept?: string, what = "pull"): Promise<Response> {
    const url = `${this.base}/v2/${this.ref.repository}/${path}`;
    let authenticated = false;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          headers: { ...(accept ? { Accept: accept } : {}), ...(this.authorization ? { Authorization: this.authorization } : {}) },
          redirect: "follow",
          tls: this.opts.tlsVerify === false ? { rejectUnauthorized: false } : undefined,
        });
      } catch (err) {
        if (attempt < ATTEMPTS) {
          await Bun.sleep(100 * 2 ** attempt);
          continue;
        }
        const code = (err as { code?: string }).code;
        throw this.fail(what, `cannot reach ${this.base}: ${code ?? (err as Error).message}`);
      }
      if (res.status === 401 && !authenticated) {
        authenticated = true;
        await this.authenticate(res.headers.get("www-authenticate") ?? "");
        attempt--; // the retry with credentials is not a failure
        continue;
      }
      if ((res.status >= 500 || res.status === 429) && attempt < ATTEMPTS) {
        await Bun.sleep(100 * 2 ** attempt);
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw this.fail(what, "unauthorized: authentication required", this.credentials ? "check the credentials (burrow login)" : "burrow login first");
      }
      return res;
    }
  }

  /** Bearer: fetch a token from the realm the registry named; Basic: send the credentials */
  private async authenticate(challenge: string): Promise<void> {
    const scheme = challenge.split(" ")[0]?.toLowerCase();
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    const basic = this.credentials ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString("base64")}` : undefined;
    if (scheme === "basic") {
      if (!basic) throw this.fail("pull", "unauthorized: the registry wants a user name and password", "burrow login first");
      this.authorization = basic;
      return;
    }
    if (scheme !== "bearer" || !params.realm) throw this.fail("pull", `unsupported authentication challenge "${challenge}"`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", params.scope ?? `repository:${this.ref.repository}:pull`);
    let res: Response;
    try {
      res = await fetch(url, { headers: basic ? { Authorization: basic } : {} });
    } catch (err) {
      throw this.fail("get token", `cannot reach ${url.origin}: ${(err as Error).message}`);
    }
    if (!res.ok) throw this.fail("get token", `the token server answered ${res.status}`, basic ? "check the credentials (burrow login)" : undefined);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw this.fail("get token", "the token server gave no token");
    this.authorization = `Bearer ${token}`;
  }

  async manifest(reference: string): Promise<{ bytes: Uint8Array; mediaType: string }> {
    const res = await this.get(`manifests/${reference}`, ACCEPT);
    if (res.status === 404) throw this.fail("pull", `manifest unknown: ${reference} not found`);
    if (!res.ok) throw this.fail("pull", `the registry answered ${res.status} for manifest ${reference}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const header = res.headers.get("content-type")?.split(";")[0]?.trim();
    const mediaType = (JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: string }).mediaType ?? header ?? "";
    return { bytes, mediaType };
  }

  /** A blob's bytes; `progress` hears how many have arrived so far. */
  async blob(digest: string, progress?: (received: number) => void): Promise<Uint8Array> {
    const res = await this.get(`blobs/${digest}`);
    if (res.status === 404) throw this.fail("pull", `blob unknown: ${digest}`);
    if (!res.ok) throw this.fail("pull", `the registry answered ${res.status} for blob ${digest}`);
    if (!progress || !res.body) return new Uint8Array(await res.arrayBuffer());
    const chunks: Uint8Array[] = [];
    let received = 0;
    for await (const chunk of res.body) {
      chunks.push(chunk);
      received += chunk.length;
      progress(received);
    }
    const out = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /** GET /v2/: whether these credentials are good (burrow login) */
  async ping(): Promise<void> {
    const res = await fetch(`${this.base}/v2/`, {
      tls: this.opts.tlsVerify === false ? { rejectUnauthorized: false } : undefined,
    }).catch((err: Error) => {
      throw this.fail("login", `cannot reach ${this.base}: ${err.message}`);
    });
    if (res.status === 401) {
      await this.authenticate(res.headers.get("www-authenticate") ?? "");
      const again = await fetch(`${this.base}/v2/`, { headers: { Authorization: this.authorization! } });
      if (again.status === 401 || again.status === 403) throw this.fail("login", "unauthorized: wrong user name or password");
    }
  }
}
