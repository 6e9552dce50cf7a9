import { type Container, type Directory, dag, type Secret } from "@dagger.io/dagger";

/**
 * The kmodforge CLI in a Node container, for the sweep functions (matrix, diff, chunk, sweep): they are the same
 * commands a laptop runs, so the Dagger layer only supplies the runtime, the npm cache and the secrets.
 */

/** Node 22 LTS on Debian bookworm. Refresh the digest with `crane digest node:22-bookworm-slim`. */
export const NODE_IMAGE = "node:22-bookworm-slim";

export interface CliSecrets {
  githubToken?: Secret;
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
}

export function cliContainer(repo: Directory, secrets: CliSecrets = {}): Container {
  let ctr = dag
    .container()
    .from(NODE_IMAGE)
    .withMountedCache("/root/.npm", dag.cacheVolume("kmodforge-npm"))
    .withDirectory("/kmodforge", repo, { exclude: ["node_modules", ".git", ".kmodforge"] })
    .withWorkdir("/kmodforge")
    .withExec(["npm", "ci", "--omit=dev", "--no-audit", "--no-fund"]);
  if (secrets.githubToken) ctr = ctr.withSecretVariable("GITHUB_TOKEN", secrets.githubToken);
  if (secrets.awsAccessKeyId) ctr = ctr.withSecretVariable("AWS_ACCESS_KEY_ID", secrets.awsAccessKeyId);
  if (secrets.awsSecretAccessKey)
    ctr = ctr.withSecretVariable("AWS_SECRET_ACCESS_KEY", secrets.awsSecretAccessKey);
  return ctr;
}

/** Runs one CLI command; args are an array (never a shell string) and the caller validated every value. */
export function runCli(ctr: Container, args: string[]): Container {
  return ctr.withExec(["node", "bin/kmodforge.js", ...args]);
}
