import { open } from "node:fs/promises";
import type { Command } from "commander";
import { type PublishReport, publishFrom, throwIfRefused } from "../../adapters/publish/publish.js";
import { DEFAULT_STORE_URL } from "../../adapters/stores/open.js";
import { KmodforgeError } from "../../core/errors.js";
import { generateSigningKeys } from "../../core/publish/signing.js";
import { addStoreOptions, openStoreFrom, readSigner } from "./store-options.js";
import { intOption, printResult, progress } from "./sweep-common.js";

function summary(r: PublishReport): string {
  const lines = [
    `published ${r.published.length}, replaced ${r.replaced.length}, unchanged ${r.unchanged.length}, refused ${r.refused.length} → ${r.store}`,
    ...r.indexes.map(
      (i) => `  index ${i.driverVersion}: generation ${i.generation}, ${i.entries} entries: ${i.url}`,
    ),
    ...r.refused.map((x) => `  refused ${x.artifactName}: ${x.reason} (published: ${x.published})`),
  ];
  return lines.join("\n");
}

/**
 * `kmodforge publish`: uploads artifact directories to a store (a directory, GitHub Releases or S3), verifies them
 * and swaps in a new index generation naming them. Same artifact again: no-op; a different build under a
 * published identity and driver version: refused (exit 12) unless --force.
 */
export function registerPublish(program: Command): void {
  addStoreOptions(
    program
      .command("publish")
      .description(
        "Publish artifact directories (as build writes them) to an artifact store and update its index: assets first, verified, then the index, atomically. Re-publishing is a no-op; a different build of a published identity is refused unless --force.",
      )
      .requiredOption("--from <dir>", "an artifact directory, or a directory of them (searched recursively)")
      .option(
        "--store <url>",
        "file://<dir> (or a path), github:<owner>/<repo> (token: GITHUB_TOKEN) or s3://<bucket>/<prefix>",
        DEFAULT_STORE_URL,
      )
      .option(
        "--force",
        "replace a different build already published under the same identity and driver version",
      )
      .option("--sign-key <pem>", "ed25519 private key (PEM): sign each index generation (kmodforge keygen)")
      .option("--concurrency <n>", "builds uploaded at once", intOption("concurrency", 1, 64), 4),
  )
    .option("--json", "print the report as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (opts) => {
      const log = progress(!opts.quiet);
      const store = await openStoreFrom(opts.store, opts, log);
      try {
        const signer = await readSigner(opts.signKey);
        const report = await publishFrom(store, opts.from, {
          force: Boolean(opts.force),
          ...(signer ? { signer } : {}),
          concurrency: opts.concurrency,
          log,
        });
        printResult(opts.json, { ...report }, summary(report));
        throwIfRefused(report);
      } finally {
        store.destroy?.();
      }
    });
}

/** `kmodforge keygen`: an ed25519 key pair for index signatures (`<out>` private, `<out>.pub` public). */
export function registerKeygen(program: Command): void {
  program
    .command("keygen")
    .description(
      "Write an ed25519 key pair for signing published indexes: <out> (private, PKCS#8 PEM, mode 0600) and <out>.pub (public, SPKI PEM). Never overwrites.",
    )
    .requiredOption("--out <file>", "where the private key goes; the public key goes to <file>.pub")
    .option("--json", "print the paths as JSON")
    .action(async (opts) => {
      const keys = generateSigningKeys();
      const write = async (path: string, text: string, mode: number) => {
        const handle = await open(path, "wx", mode).catch((err: NodeJS.ErrnoException) => {
          throw new KmodforgeError(
            "INVALID_INPUT",
            `keygen: ${path}: ${err.code === "EEXIST" ? "exists" : err.message}`,
          );
        });
        await handle.writeFile(text);
        await handle.close();
      };
      await write(opts.out, keys.privateKeyPem, 0o600);
      await write(`${opts.out}.pub`, keys.publicKeyPem, 0o644);
      printResult(
        opts.json,
        { privateKey: opts.out, publicKey: `${opts.out}.pub` },
        `private key: ${opts.out}\npublic key:  ${opts.out}.pub`,
      );
    });
}
