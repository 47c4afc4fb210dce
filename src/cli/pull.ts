/**
 * burrow pull [--platform os/arch] [--tls-verify=false] [-q] NAME[:TAG|@DIGEST]
 * burrow login [-u USER] [-p PASS | --password-stdin] REGISTRY, burrow logout REGISTRY
 */
import { readFileSync } from "node:fs";
import { usageError } from "../errors.ts";
import { saveCredentials } from "../image/auth.ts";
import { pull } from "../image/pull.ts";
import { canonical, parseReference } from "../image/reference.ts";
import { RegistryClient } from "../image/registry.ts";
import type { Command } from "./command.ts";
import { bool, str } from "./options.ts";
import { writeOut } from "../output.ts";

const help = { help: { type: "boolean", description: "Print usage" } } as const;

export const pullCommand: Command = {
  meta: { name: "pull", description: "Download an image from a registry" },
  usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
  failureCode: 1,
  options: {
    platform: { type: "string", description: "Set platform if server is multi-platform capable (default linux/amd64)" },
    "tls-verify": { type: "boolean", description: "Require HTTPS and verify certificates (default true; never for localhost)" },
    quiet: { type: "boolean", alias: "q", description: "Suppress verbose output" },
    ...help,
  },
  async run(args) {
    const ref = args.positionals[0];
    if (!ref) throw usageError("burrow pull needs an image name");
    const quiet = bool(args, "quiet");
    const record = await pull(ref, { platform: str(args, "platform"), tlsVerify: args.values["tls-verify"] !== false, quiet });
    // -q: the image id alone, for scripts; otherwise the name, as Docker ends
    writeOut(`${quiet ? record.id : canonical(parseReference(ref))}\n`);
    return 0;
  },
};

export const loginCommand: Command = {
  meta: { name: "login", description: "Log in to a registry" },
  usage: "[OPTIONS] SERVER",
  failureCode: 1,
  options: {
    username: { type: "string", alias: "u", description: "Username" },
    password: { type: "string", alias: "p", description: "Password" },
    "password-stdin": { type: "boolean", description: "Take the password from stdin" },
    "tls-verify": { type: "boolean", description: "Require HTTPS and verify certificates (default true)" },
    ...help,
  },
  async run(args) {
    const server = args.positionals[0];
    const username = str(args, "username");
    const password = bool(args, "password-stdin") ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : str(args, "password");
    if (!server || !username || password === undefined) throw usageError("burrow login needs SERVER, -u USER and -p PASS (or --password-stdin); it never prompts");
    const client = new RegistryClient(parseReference(`${server}/burrow-login-check`), { tlsVerify: args.values["tls-verify"] !== false, credentials: { username, password } });
    await client.ping();
    saveCredentials(server, { username, password });
    writeOut("Login Succeeded\n");
    return 0;
  },
};

export const logoutCommand: Command = {
  meta: { name: "logout", description: "Log out from a registry" },
  usage: "SERVER",
  failureCode: 1,
  options: { ...help },
  run(args) {
    const server = args.positionals[0];
    if (!server) throw usageError("burrow logout needs SERVER");
    saveCredentials(server, undefined);
    writeOut(`Removing login credentials for ${server}\n`);
    return 0;
  },
};
