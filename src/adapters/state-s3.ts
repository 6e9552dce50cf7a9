import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
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

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * State store in an S3 bucket. Create-if-absent is a PutObject with `If-None-Match: *`: S3 answers 412 when the
 * key exists, and 409 when a concurrent conditional write to the same key is in flight (the caller then re-checks).
 */
export class S3StateStore implements StateStore {
  readonly url: string;
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(readonly options: S3StoreOptions) {
    this.prefix = options.prefix ? `${options.prefix.replace(/^\/+|\/+$/g, "")}/` : "";
    this.url = `s3://${options.bucket}/${this.prefix}`.replace(/\/$/, "");
    this.client = new S3Client({
      region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Plain bodies, no aws-chunked framing: some S3-compatible servers store the framing verbatim.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  private key(key: string): string {
    return `${this.prefix}${checkStoreKey(key)}`;
  }

  async createIfAbsent(key: string, body: string | Uint8Array): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: this.key(key),
            Body: body,
            IfNoneMatch: "*",
          }),
        );
        return true;
      } catch (err) {
        const code = status(err);
        if (code === 412) return false;
        // 409 ConditionalRequestConflict: another conditional write to this key is in flight; its outcome decides.
        if (code === 409 && attempt < 5) {
          await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
          continue;
        }
        throw err;
      }
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }),
      );
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (status(err) === 404 || (err as Error).name === "NoSuchKey") return undefined;
      throw err;
    }
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: `${this.prefix}${prefix}`,
          ...(token
            ? { ContinuationToken: token }
            : startAfter
              ? { StartAfter: `${this.prefix}${startAfter}` }
              : {}),
        }),
      );
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.prefix.length));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }));
  }

  destroy(): void {
    this.client.destroy();
  }
}
