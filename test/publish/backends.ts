import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { type OpenedStore, openArtifactStore, type StoreOptions } from "../../src/adapters/stores/open.js";
import { type FakeReleases, startFakeReleases } from "../support/github-releases-fake.js";
import { type MotoServer, startMoto } from "../support/moto.js";

/**
 * The three artifact store backends against real servers: a temporary directory, S3 on moto_server, GitHub
 * Releases on the local REST fake. Each `fresh()` call gives an empty store; `open()` another client of it (a
 * second publisher), and `cliArgs` the flags the CLI needs to reach it.
 */
export interface Backend {
  name: "directory" | "s3" | "github";
  url: string;
  cliArgs: string[];
  open(): Promise<OpenedStore>;
}

export interface Backends {
  fresh(name: Backend["name"], options?: { assetCap?: number }): Promise<Backend>;
  moto(): MotoServer;
  github(): FakeReleases;
  stop(): Promise<void>;
}

/** The bucket policy docs/publish.md gives for nodes that download without credentials. */
async function allowPublicRead(moto: MotoServer, bucket: string, prefix: string): Promise<void> {
  const client = new S3Client({
    endpoint: moto.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: moto.credentials,
  });
  const statement = {
    Effect: "Allow",
    Principal: "*",
    Action: "s3:GetObject",
    Resource: `arn:aws:s3:::${bucket}/${prefix}/*`,
  };
  await client.send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
    }),
  );
  client.destroy();
}

export const BACKEND_NAMES = ["directory", "s3", "github"] as const;

export async function startBackends(options: { assetCap?: number } = {}): Promise<Backends> {
  const dirs: string[] = [];
  const fakes: FakeReleases[] = [];
  const moto = await startMoto();
  let n = 0;
  const s3Options = (): StoreOptions => ({ s3: { endpoint: moto.endpoint, credentials: moto.credentials } });
  // moto_server accepts any credentials; a child CLI finds them in its environment.
  process.env.AWS_ACCESS_KEY_ID = moto.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
  return {
    async fresh(name, opts = {}) {
      n++;
      if (name === "directory") {
        const dir = await mkdtemp(join(tmpdir(), "kmodforge-store-"));
        dirs.push(dir);
        const url = `file://${dir}`;
        return { name, url, cliArgs: ["--store", url], open: () => openArtifactStore(url) };
      }
      if (name === "s3") {
        const bucket = `kmodforge-publish-${process.pid}-${n}`;
        await moto.createBucket(bucket);
        await allowPublicRead(moto, bucket, "artifacts");
        const url = `s3://${bucket}/artifacts`;
        return {
          name,
          url,
          cliArgs: ["--store", url, "--s3-endpoint", moto.endpoint],
          open: () => openArtifactStore(url, s3Options()),
        };
      }
      const fake = await startFakeReleases("acme", "drivers", {
        assetCap: opts.assetCap ?? options.assetCap ?? 1000,
      });
      fakes.push(fake);
      const github = { apiUrl: fake.url, retryBaseMs: 1, assetCap: fake.assetCap };
      return {
        name,
        url: "github:acme/drivers",
        cliArgs: ["--store", "github:acme/drivers", "--github-api", fake.url, "--github-retry-base-ms", "1"],
        open: () => openArtifactStore("github:acme/drivers", { github }),
      };
    },
    moto: () => moto,
    github: () => {
      const fake = fakes.at(-1);
      if (!fake) throw new Error("no GitHub fake started");
      return fake;
    },
    async stop() {
      for (const f of fakes) await f.close();
      await moto.stop();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    },
  };
}
