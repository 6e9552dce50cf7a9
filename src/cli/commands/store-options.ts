import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import type { Signer } from "../../adapters/publish/documents.js";
import { type OpenedStore, openArtifactStore } from "../../adapters/stores/open.js";
import { KmodforgeError } from "../../core/errors.js";
import { privateSigningKey, publicSigningKey } from "../../core/publish/signing.js";
import { intOption } from "./sweep-common.js";

/** The options every command that opens an artifact store takes. */
export function storeOptions(): Option[] {
  return [
    new Option("--s3-endpoint <url>", "S3-compatible server URL (path-style addressing)"),
    new Option("--s3-region <region>", "S3 region (default: AWS_REGION or us-east-1)"),
    new Option("--github-api <url>", "GitHub API root (GitHub Enterprise Server)").default(
      process.env.GITHUB_API_URL,
    ),
    new Option(
      "--github-retry-base-ms <n>",
      "unit of retry-after, retry backoff and write spacing (1000 = honour GitHub's seconds)",
    )
      .argParser(intOption("github-retry-base-ms", 1, 60_000))
      .default(1000),
  ];
}

/** Adds the store options a command does not have yet (sweep has them for its state store and dispatch). */
export function addStoreOptions(cmd: Command): Command {
  for (const option of storeOptions())
    if (!cmd.options.some((o) => o.long === option.long)) cmd.addOption(option);
  return cmd;
}

export interface StoreCliOptions {
  s3Endpoint?: string;
  s3Region?: string;
  githubApi?: string;
  githubRetryBaseMs?: number;
}

/** Opens `--store`/`--publish`; the GitHub token comes from GITHUB_TOKEN, AWS credentials from the usual chain. */
export function openStoreFrom(
  url: string,
  opts: StoreCliOptions,
  log: (line: string) => void,
): Promise<OpenedStore> {
  return openArtifactStore(url, {
    s3: {
      ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}),
      ...(opts.s3Region ? { region: opts.s3Region } : {}),
    },
    github: {
      ...(opts.githubApi ? { apiUrl: opts.githubApi } : {}),
      ...(opts.githubRetryBaseMs ? { retryBaseMs: opts.githubRetryBaseMs } : {}),
      log,
    },
  });
}

async function readKeyFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new KmodforgeError("CONFIG_INVALID", `${what} ${path}: ${(err as Error).message}`);
  }
}

/** The index signer from a PEM private key file (`--sign-key`). */
export async function readSigner(path: string | undefined): Promise<Signer | undefined> {
  if (!path) return undefined;
  const pem = await readKeyFile(path, "signing key");
  return { privateKey: privateSigningKey(pem), publicKey: publicSigningKey(pem) };
}

export async function readPublicKey(path: string | undefined) {
  return path ? publicSigningKey(await readKeyFile(path, "public key")) : undefined;
}
