import { CacheSharingMode, type Container, type Directory, dag, type Secret } from "@dagger.io/dagger";

/**
 * The kmodforge CLI in its container (dockerfiles/cli.Dockerfile), for every TypeScript step a Dagger function runs:
 * the build's headers and seal steps, resolve, and the sweep commands. They are the same commands a laptop runs, so
 * the Dagger layer only supplies the image, a cache and the secrets.
 */

export const CLI_DOCKERFILE = "dockerfiles/cli.Dockerfile";
/** The CLI's entry point inside the image. */
export const CLI = ["node", "/kmodforge/bin/kmodforge.js"];
/** The kmodforge cache in the CLI container (apt state, verified packages), kept in a cache volume. */
export const CLI_CACHE = "/root/.cache/kmodforge";

export interface CliSecrets {
  githubToken?: Secret;
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
}

export function cliContainer(repo: Directory, secrets: CliSecrets = {}): Container {
  let ctr = repo
    .dockerBuild({ dockerfile: CLI_DOCKERFILE })
    // apt takes exclusive locks on its state, so concurrent steps take turns on the cache.
    .withMountedCache(CLI_CACHE, dag.cacheVolume("kmodforge-cli-cache"), {
      sharing: CacheSharingMode.Locked,
    });
  if (secrets.githubToken) ctr = ctr.withSecretVariable("GITHUB_TOKEN", secrets.githubToken);
  if (secrets.awsAccessKeyId) ctr = ctr.withSecretVariable("AWS_ACCESS_KEY_ID", secrets.awsAccessKeyId);
  if (secrets.awsSecretAccessKey)
    ctr = ctr.withSecretVariable("AWS_SECRET_ACCESS_KEY", secrets.awsSecretAccessKey);
  return ctr;
}

/** Runs one CLI command; args are an array (never a shell string) and the caller validated every value. */
export function runCli(ctr: Container, args: string[]): Container {
  return ctr.withExec([...CLI, ...args]);
}
