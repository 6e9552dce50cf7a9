import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimedGeneration } from "../../src/adapters/publish/documents.js";
import { lookupArtifact } from "../../src/adapters/publish/lookup.js";
import { publishFrom } from "../../src/adapters/publish/publish.js";
import { ReadCache } from "../../src/adapters/publish/read-cache.js";
import type { OpenedStore } from "../../src/adapters/stores/open.js";
import { indexFolder, shardFolder } from "../../src/core/publish/layout.js";
import { type Backends, startBackends } from "./backends.js";
import { debianRelease, writeTestArtifact } from "./support.js";

/**
 * A publisher that dies between uploading its assets and swapping the index leaves the old index valid: readers
 * keep seeing every earlier artifact and nothing half-published, and a retry reuses the uploaded assets. The
 * publisher is the real CLI in a child process; the failure comes from a real seam (a directory made immutable,
 * an S3 proxy and the GitHub fake holding the index write until the child is killed).
 */

const run = promisify(execFile);
let backends: Backends;
let work: string;
beforeAll(async () => {
  backends = await startBackends();
  work = await mkdtemp(join(tmpdir(), "kmodforge-crash-"));
}, 120_000);
afterAll(async () => {
  await backends?.stop();
  await rm(work, { recursive: true, force: true });
});

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ["bin/kmodforge.js", "publish", ...args, "--quiet"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stderr })));
}

/** An HTTP proxy to moto that holds every PUT of an index object: the publisher hangs right at the swap. */
async function holdingProxy(target: string, onHold: () => void): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    if (req.method === "PUT" && /\/kmodforge_[^/]+\/index\./.test(req.url ?? "")) {
      onHold();
      return; // never answered
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function state(store: OpenedStore, abis: number[]) {
  const found = [];
  for (const abi of abis) {
    const a = await lookupArtifact(store, {
      identity: { distro: "debian", distroVersion: "12", arch: "x86_64", kernelRelease: debianRelease(abi) },
      cache: new ReadCache(join(work, `cache-${Math.random()}`)),
    });
    found.push(a.found);
  }
  const pointer = await store.read(indexFolder("1.0.0"), "index.json");
  return { found, generation: pointer.kind === "found" ? claimedGeneration(pointer.body) : undefined };
}

async function scenario(name: "directory" | "s3" | "github") {
  const backend = await backends.fresh(name);
  const store = await backend.open();
  const before = join(work, `${name}-before`);
  const after = join(work, `${name}-after`);
  await writeTestArtifact(before, { kernelRelease: debianRelease(50) });
  await writeTestArtifact(after, { kernelRelease: debianRelease(51), modules: ["a", "b"] });
  await publishFrom(store, before);
  expect(await state(store, [50, 51])).toEqual({ found: [true, false], generation: 1 });
  return { backend, store, after };
}

async function afterCrash(store: OpenedStore, after: string) {
  // The old index is intact and whole; the new build's assets were uploaded but nothing names them.
  expect(await state(store, [50, 51])).toEqual({ found: [true, false], generation: 1 });
  const shard = shardFolder("1.0.0", "debian", "12", 1);
  expect((await store.list(shard)).length).toBe(4 + 5);
  // A retry publishes it, reusing the uploaded assets.
  const retry = await publishFrom(store, after);
  expect(retry.published).toHaveLength(1);
  expect(await state(store, [50, 51])).toEqual({ found: [true, true], generation: 2 });
  expect((await store.list(shard)).length).toBe(4 + 5);
}

describe("a publisher that fails between asset upload and index swap", () => {
  it("directory store: the index folder refuses the write (chattr +i)", async () => {
    const { backend, store, after } = await scenario("directory");
    const folder = join(fileURLToPath(backend.url), indexFolder("1.0.0"));
    await run("chattr", ["+i", folder]);
    try {
      const child = exited(cli(["--from", after, ...backend.cliArgs]));
      const { code, stderr } = await child;
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/EPERM|operation not permitted/i);
    } finally {
      await run("chattr", ["-i", folder]);
    }
    await afterCrash(store, after);
  });

  it("S3 store: the publisher is killed while its index write hangs", async () => {
    const { backend, store, after } = await scenario("s3");
    let child: ChildProcess | undefined;
    const proxy = await holdingProxy(backends.moto().endpoint, () => child?.kill("SIGKILL"));
    try {
      const args = backend.cliArgs.map((a) => (a === backends.moto().endpoint ? proxy.url : a));
      child = cli(["--from", after, ...args]);
      const { signal } = await exited(child);
      expect(signal).toBe("SIGKILL");
    } finally {
      proxy.server.closeAllConnections();
      proxy.server.close();
    }
    await afterCrash(store, after);
  });

  it("GitHub store: the publisher is killed while its index upload hangs", async () => {
    const { backend, store, after } = await scenario("github");
    let child: ChildProcess | undefined;
    backends.github().rules.push({
      match: (r) => r.name?.startsWith("index.") === true,
      fault: { kind: "hang" },
      times: 1,
      onFire: () => child?.kill("SIGKILL"),
    });
    child = cli(["--from", after, ...backend.cliArgs]);
    const { signal } = await exited(child);
    expect(signal).toBe("SIGKILL");
    await afterCrash(store, after);
  });
});
