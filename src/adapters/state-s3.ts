import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { checkStoreKey, type StateStore } from "../core/sweep/store.js";

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash ("" for the bucket root). */
  prefix: string;
  /** S3-compatible server URL (path-style addressing is used when set). */
  endpoint?: string;
  region?: string;
  credentials?: S3ClientConfig["credentials"];
}

/** The AWS SDK, loaded on first use, never at import time: the Dagger runtime imports every file under src/. */
export function s3Sdk() {
  return import("@aws-sdk/client-s3");
}

/** The HTTP status of an S3 error (412 precondition failed, 404 missing, 304 not modified …). */
export function s3Status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** The one S3 client setup for every kmodforge store (state, artifacts). */
export async function createS3Client(options: Omit<S3StoreOptions, "bucket" | "prefix">): Promise<S3Client> {
  const { S3Client } = await s3Sdk();
  return new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Plain bodies, no aws-chunked framing: some S3-compatible servers store the framing verbatim.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** A client built on first use; `destroy()` closes it if it was built. */
export class LazyS3Client {
  private client?: Promise<S3Client>;

  constructor(private readonly options: Omit<S3StoreOptions, "bucket" | "prefix">) {}

  get(): Promise<S3Client> {
    this.client ??= createS3Client(this.options);
    return this.client;
  }

  destroy(): void {
    void this.client?.then((c) => c.destroy());
  }
}

/**
 * Create-if-absent: a PutObject with `If-None-Match: *`. S3 answers 412 when the key exists, and 409 when a
 * concurrent conditional write to the same key is in flight (its outcome decides, so the put is retried).
 */
export async function s3PutIfAbsent(
  client: S3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array,
): Promise<boolean> {
  const { PutObjectCommand } = await s3Sdk();
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: "*" }));
      return true;
    } catch (err) {
      const code = s3Status(err);
      if (code === 412) return false;
      if (code === 409 && attempt < 5) {
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        continue;
      }
      throw err;
    }
  }
}

/** Every object under a prefix (all pages), with its size. */
export async function s3ListObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  startAfter?: string,
): Promise<Array<{ key: string; size: number }>> {
  const { ListObjectsV2Command } = await s3Sdk();
  const objects: Array<{ key: string; size: number }> = [];
  let token: string | undefined;
  do {
    const out = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
      }),
    );
    for (const o of out.Contents ?? []) if (o.Key) objects.push({ key: o.Key, size: o.Size ?? 0 });
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** State store in an S3 bucket; create-if-absent is s3PutIfAbsent. */
export class S3StateStore implements StateStore {
  readonly url: string;
  private readonly client: LazyS3Client;
  private readonly prefix: string;

  constructor(readonly options: S3StoreOptions) {
    this.prefix = options.prefix ? `${options.prefix.replace(/^\/+|\/+$/g, "")}/` : "";
    this.url = `s3://${options.bucket}/${this.prefix}`.replace(/\/$/, "");
    this.client = new LazyS3Client(options);
  }

  private key(key: string): string {
    return `${this.prefix}${checkStoreKey(key)}`;
  }

  async createIfAbsent(key: string, body: string | Uint8Array): Promise<boolean> {
    return s3PutIfAbsent(await this.client.get(), this.options.bucket, this.key(key), body);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const { GetObjectCommand } = await s3Sdk();
    try {
      const out = await (await this.client.get()).send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }),
      );
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (s3Status(err) === 404 || (err as Error).name === "NoSuchKey") return undefined;
      throw err;
    }
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    const objects = await s3ListObjects(
      await this.client.get(),
      this.options.bucket,
      `${this.prefix}${prefix}`,
      startAfter ? `${this.prefix}${startAfter}` : undefined,
    );
    return objects.map((o) => o.key.slice(this.prefix.length)).sort();
  }

  async delete(key: string): Promise<void> {
    const { DeleteObjectCommand } = await s3Sdk();
    await (await this.client.get()).send(
      new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }),
    );
  }

  destroy(): void {
    this.client.destroy();
  }
}
