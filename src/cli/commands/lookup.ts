import type { Command } from "commander";
import { cacheSubdir } from "../../adapters/cache-dir.js";
import { downloadArtifact, type LookupAnswer, lookupArtifact } from "../../adapters/publish/lookup.js";
import { ReadCache } from "../../adapters/publish/read-cache.js";
import { DEFAULT_STORE_URL } from "../../adapters/stores/open.js";
import { exitCodeOf } from "../../core/errors.js";
import { entryId } from "../../core/sweep/matrix.js";
import { addIdentityOptions, identityFromFlags } from "./identity-options.js";
import { addStoreOptions, openStoreFrom, readPublicKey } from "./store-options.js";
import { printResult, progress } from "./sweep-common.js";

function report(answer: LookupAnswer, downloaded?: string): Record<string, unknown> {
  if (!answer.found) return { ...answer };
  const { entry } = answer;
  return {
    found: true,
    driverVersion: answer.driverVersion,
    generation: answer.generation,
    index: answer.index,
    artifactName: entry.artifactName,
    build: entry.build,
    identity: entry.identity,
    package: entry.package,
    files: answer.files,
    compiler: entry.compiler,
    headerPackages: entry.headerPackages,
    cacheKey: entry.cacheKey,
    builtAt: entry.builtAt,
    publishedAt: entry.publishedAt,
    ...(downloaded ? { downloaded } : {}),
  };
}

function text(answer: LookupAnswer, id: string, downloaded?: string): string {
  if (!answer.found)
    return `absent: ${id}${answer.driverVersion ? ` (driver ${answer.driverVersion})` : ""}: ${answer.reason}`;
  const lines = [
    `${answer.entry.artifactName} (driver ${answer.driverVersion}, build ${answer.entry.build})`,
  ];
  for (const f of answer.files) lines.push(`  ${f.file}  sha256=${f.sha256}  ${f.url}`);
  if (downloaded) lines.push(`downloaded to ${downloaded}`);
  return lines.join("\n");
}

/**
 * `kmodforge lookup`: is there a published artifact for this kernel? One GET of the driver version's index
 * (cached with its ETag). Exit 0 with the URLs and SHA-256 of every file, 1 when absent, 2 on bad input, 11 when
 * the index signature does not verify against --public-key; --download refuses bytes the index does not name (5).
 */
export function registerLookup(program: Command): void {
  addStoreOptions(
    addIdentityOptions(program.command("lookup"))
      .description(
        "Answer from the store's index whether an artifact exists for a kernel identity and driver version: its file URLs and SHA-256 (exit 0), absent (exit 1), bad input (exit 2), index signature invalid (exit 11). --download fetches and verifies it.",
      )
      .option(
        "--store <url>",
        "file://<dir>, github:<owner>/<repo> or s3://<bucket>/<prefix>",
        DEFAULT_STORE_URL,
      )
      .option("--driver-version <version>", "driver version (default: the newest one in the store's catalog)")
      .option(
        "--public-key <pem>",
        "ed25519 public key (PEM): refuse an index whose signature does not verify",
      )
      .option(
        "--download <dir>",
        "download the artifact into <dir>/<artifact>/, verifying every file's SHA-256",
      )
      .option(
        "--cache-dir <dir>",
        "lookup cache (default: the lookup/ subdirectory of the kmodforge cache, docs/cache.md)",
      ),
  )
    .option("--json", "print the answer as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (opts) => {
      const identity = identityFromFlags(opts);
      const publicKey = await readPublicKey(opts.publicKey);
      const store = await openStoreFrom(opts.store, opts, progress(!opts.quiet));
      try {
        const answer = await lookupArtifact(store, {
          identity,
          ...(identity.driverVersion ? { driverVersion: identity.driverVersion } : {}),
          ...(publicKey ? { publicKey } : {}),
          cache: new ReadCache(opts.cacheDir ?? cacheSubdir("lookup")),
        });
        const downloaded =
          answer.found && opts.download ? await downloadArtifact(store, answer, opts.download) : undefined;
        printResult(opts.json, report(answer, downloaded), text(answer, entryId(identity), downloaded));
        if (!answer.found) process.exitCode = exitCodeOf("ARTIFACT_NOT_FOUND");
      } finally {
        store.destroy?.();
      }
    });
}
