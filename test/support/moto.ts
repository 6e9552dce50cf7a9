import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";

/**
 * Starts moto_server (Debian trixie's python3-moto, inside the root test/env/steps/50-moto.sh prepares) on a free
 * port for the duration of a test file, so no background daemon has to exist before the tests run.
 */
export interface MotoServer {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = join(process.env.KMODFORGE_TEST_CACHE ?? "/var/cache/kmodforge-test", "trixie-moto");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startMoto(): Promise<MotoServer> {
  if (!existsSync(join(ROOT, ".kmodforge-ready"))) {
    throw new Error(
      `moto root ${ROOT} is missing: run test/env/steps/50-moto.sh (or test/env/setup.sh) first`,
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawn("chroot", [ROOT, "moto_server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`${endpoint}/moto-api/`);
      if (r.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`moto_server did not start within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
  return {
    endpoint,
    credentials,
    async createBucket(name) {
      const c = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
      await c.send(new CreateBucketCommand({ Bucket: name }));
      c.destroy();
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
