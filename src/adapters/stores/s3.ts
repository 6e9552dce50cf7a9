import { byCodeUnit } from "../../core/hash.js";
import {
  type ArtifactStore,
  type CreateOutcome,
  checkAssetPath,
  type ReadResult,
  type StoredAsset,
} from "../../core/publish/store.js";
import {
  LazyS3Client,
  type S3StoreOptions,
  s3ListObjects,
  s3PutIfAbsent,
  s3Sdk,
  s3Status,
} from "../state-s3.js";

/**
 * Artifact store in an S3 bucket: folder/asset keys under a prefix, the same layout as the directory store.
 * Create is `If-None-Match: *`; replace sends `If-Match` with the ETag it read (servers that ignore it, such as
 * moto 5.1, are covered by the re-check after every pointer write in documents.ts).
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly url: string;
  private readonly client: LazyS3Client;
  private readonly prefix: string;

  /** A prefix has no object limit, so every distribution version has one shard. */
  readonly assetCap = Number.POSITIVE_INFINITY;

  constructor(readonly options: S3StoreOptions) {
    this.prefix = options.prefix ? `${options.prefix.replace(/^\/+|\/+$/g, "")}/` : "";
    this.url = `s3://${options.bucket}/${this.prefix}`.replace(/\/$/, "");
    this.client = new LazyS3Client(options);
  }

  private key(folder: string, name: string): string {
    checkAssetPath(folder, name);
    return `${this.prefix}${folder}/${name}`;
  }

  async create(folder: string, name: string, body: Uint8Array): Promise<CreateOutcome> {
    const key = this.key(folder, name);
    return (await s3PutIfAbsent(await this.client.get(), this.options.bucket, key, body))
      ? "created"
      : "exists";
  }

  async replace(
    folder: string,
    name: string,
    body: Uint8Array,
    expect: { ifMatch?: string; ifAbsent?: boolean } = {},
  ): Promise<"replaced" | "conflict"> {
    const { PutObjectCommand } = await s3Sdk();
    try {
      await (await this.client.get()).send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: this.key(folder, name),
          Body: body,
          ...(expect.ifMatch ? { IfMatch: expect.ifMatch } : expect.ifAbsent ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return "replaced";
    } catch (err) {
      const code = s3Status(err);
      if (code === 412 || code === 409) return "conflict";
      throw err;
    }
  }

  async read(folder: string, name: string, ifNoneMatch?: string): Promise<ReadResult> {
    const { GetObjectCommand } = await s3Sdk();
    try {
      const out = await (await this.client.get()).send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.key(folder, name),
          ...(ifNoneMatch ? { IfNoneMatch: ifNoneMatch } : {}),
        }),
      );
      const body = Buffer.from(await out.Body!.transformToByteArray());
      return { kind: "found", body, ...(out.ETag ? { etag: out.ETag } : {}) };
    } catch (err) {
      const code = s3Status(err);
      if (code === 304) return { kind: "not-modified" };
      if (code === 404 || (err as Error).name === "NoSuchKey") return { kind: "absent" };
      throw err;
    }
  }

  async list(folder: string): Promise<StoredAsset[]> {
    const base = this.key(folder, "x").slice(0, -1);
    const objects = await s3ListObjects(await this.client.get(), this.options.bucket, base);
    return objects
      .map((o) => ({ name: o.key.slice(base.length), size: o.size }))
      .filter((a) => !a.name.includes("/"))
      .sort((a, b) => byCodeUnit(a.name, b.name));
  }

  async remove(folder: string, name: string): Promise<void> {
    const { DeleteObjectCommand } = await s3Sdk();
    await (await this.client.get()).send(
      new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(folder, name) }),
    );
  }

  /** Path-style on the configured endpoint; the bucket's virtual-hosted HTTPS address on AWS. */
  locate(folder: string, name: string): string {
    const key = this.key(folder, name);
    if (this.options.endpoint)
      return `${this.options.endpoint.replace(/\/+$/, "")}/${this.options.bucket}/${key}`;
    const region = this.options.region ?? process.env.AWS_REGION ?? "us-east-1";
    return `https://${this.options.bucket}.s3.${region}.amazonaws.com/${key}`;
  }

  destroy(): void {
    this.client.destroy();
  }
}
