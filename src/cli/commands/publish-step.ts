import { Option } from "commander";
import type { Signer } from "../../adapters/publish/documents.js";
import { type PublishReport, publishArtifactDir } from "../../adapters/publish/publish.js";
import type { OpenedStore } from "../../adapters/stores/open.js";
import type { AfterBuild } from "../../adapters/sweep-build.js";
import { KmodforgeError } from "../../core/errors.js";
import { openStoreFrom, readSigner, type StoreCliOptions } from "./store-options.js";

/**
 * `--publish <store>` for build and sweep: publish each artifact as soon as it is built (the store options come
 * with storeOptions(); sweep has them already for its state store and dispatch).
 */
export function publishOption(defaultText: string): Option {
  return new Option(
    "--publish <store>",
    `publish each built artifact: file://<dir>, github:<owner>/<repo>, s3://<bucket>/<prefix> or none (default: ${defaultText})`,
  );
}

export function publishSignKeyOption(): Option {
  return new Option("--publish-sign-key <pem>", "ed25519 private key (PEM) that signs the published index");
}

export interface Publisher {
  /** Publishes one artifact directory; a build refused because another one is published throws ARTIFACT_CONFLICT. */
  publish(dir: string): Promise<PublishReport>;
  close(): void;
}

/** The publisher `--publish` asks for (`none`: no publishing), or undefined. */
export async function openPublisher(
  opts: StoreCliOptions & { publish?: string; publishSignKey?: string },
  defaultStore: string,
  log: (line: string) => void,
): Promise<Publisher | undefined> {
  const url = opts.publish ?? defaultStore;
  if (url === "none") return undefined;
  const [store, signer] = await Promise.all([openStoreFrom(url, opts, log), readSigner(opts.publishSignKey)]);
  return storePublisher(store, signer, log);
}

/** A publisher on a store that is already open (closing it closes the store). */
export function storePublisher(
  store: OpenedStore,
  signer: Signer | undefined,
  log: (line: string) => void,
): Publisher {
  return {
    publish: (dir) => publishArtifactDir(store, dir, { ...(signer ? { signer } : {}), log }),
    close: () => store.destroy?.(),
  };
}

/** The step buildEntries runs after each successful build, when publishing. */
export function publishStep(
  publisher: Publisher | undefined,
  log: (line: string) => void,
): AfterBuild | undefined {
  return publisher ? sweepPublishStep(publisher, log) : undefined;
}

/**
 * The sweep's publish step: a build another build of the same identity beat to the index keeps the published one
 * (published artifacts are immutable) — a visible outcome, not a failure; any other publish fault fails the entry.
 */
export function sweepPublishStep(publisher: Publisher, log: (line: string) => void): AfterBuild {
  return async (dir) => {
    try {
      const report = await publisher.publish(dir);
      return report.unchanged.length > 0 ? "unchanged" : "published";
    } catch (err) {
      if (!(err instanceof KmodforgeError) || err.code !== "ARTIFACT_CONFLICT") throw err;
      log(`publish: ${err.message}; the published build stays`);
      return "kept-published";
    }
  };
}
