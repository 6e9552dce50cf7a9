import type { Container, Directory, Secret } from "@dagger.io/dagger";
import { InvalidInputError } from "../core/errors.js";
import { parseStoreUrl } from "../core/store-url.js";
import { type CliSecrets, runCli } from "./cli-container.js";

/** What the Dagger `publish` function hands the CLI container. */
export interface PublishCall {
  artifacts: Directory;
  store: string;
  force: boolean;
  signKey?: Secret;
  s3Endpoint?: string;
}

/**
 * The secrets the CLI container needs for an artifact store URL (only those of its kind are passed on). A file://
 * store is refused: it would stay inside the function's container; `command` names what to run on the host instead.
 */
export function storeSecrets(
  store: string,
  secrets: CliSecrets,
  command: "publish" | "report" = "publish",
): CliSecrets {
  const kind = parseStoreUrl(store, { field: "store", github: true }).kind;
  if (kind === "file")
    throw new InvalidInputError([
      {
        field: "store",
        given: store,
        expected: "github:<owner>/<repo> or s3://<bucket>/<prefix>",
        message: `store: ${store} would stay inside the function's container; use github: or s3:// (or kmodforge ${command} on the host)`,
      },
    ]);
  return kind === "github"
    ? { ...(secrets.githubToken ? { githubToken: secrets.githubToken } : {}) }
    : {
        ...(secrets.awsAccessKeyId ? { awsAccessKeyId: secrets.awsAccessKeyId } : {}),
        ...(secrets.awsSecretAccessKey ? { awsSecretAccessKey: secrets.awsSecretAccessKey } : {}),
      };
}

/** `kmodforge publish --from /artifacts --store <url> --json` in the CLI container; the report is its stdout. */
export function runPublish(ctr: Container, call: PublishCall): Container {
  let c = ctr.withDirectory("/artifacts", call.artifacts);
  const args = ["publish", "--from", "/artifacts", "--store", call.store, "--json", "--quiet"];
  if (call.force) args.push("--force");
  if (call.s3Endpoint) args.push("--s3-endpoint", call.s3Endpoint);
  if (call.signKey) {
    c = c.withMountedSecret("/run/secrets/kmodforge-index-key", call.signKey);
    args.push("--sign-key", "/run/secrets/kmodforge-index-key");
  }
  return runCli(c, args);
}
