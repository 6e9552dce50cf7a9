/**
 * The build service under load, and one real miss end to end.
 *
 * 1. Lookup hits: `kmodforge serve` over a directory store whose index names 1,000 published kernels, loaded with
 *    autocannon (POST /build for published kernels, the node loader's request); p50/p99 latency and requests/s,
 *    saturated (32 connections, closed loop) and at a fixed 2,000 requests/s, each against a bare Node HTTP server
 *    in its own process answering a body of the same size, measured in the same run (its figures are the floor this
 *    machine and autocannon allow); each figure is the median of three runs, the two servers taking turns.
 *    Target: p99 < 20 ms for hits.
 * 2. A real miss with `--builder local`: a Debian 12 kernel the store does not have, from the request to the
 *    published artifact (status succeeded), with the header cache warm (the build cache the tests share); with
 *    `--cold` also from an empty cache (apt lists and header packages fetched from the configured mirror).
 *    Target: < 60 s.
 *
 *   npx tsx bench/service-bench.ts [--cold]        (or: npm run bench -- service-bench)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { readArtifactDir } from "../src/adapters/publish/artifact-dir.js";
import { publishArtifacts } from "../src/adapters/publish/publish.js";
import { openArtifactStore } from "../src/adapters/stores/open.js";
import { BUILD_CACHE, newestRelease } from "../test/build/support.js";
import { debianRelease, writeTestArtifact } from "../test/publish/support.js";
import {
  debianRequest,
  localServiceArgs,
  postBuild,
  startService,
  TOKEN,
  waitForStatus,
} from "../test/service/support.js";

const PUBLISHED = 1_000;
const DURATION_S = 10;
/** Runs per figure (its median is reported). */
const ROUNDS = 3;
const CONNECTIONS = 32;
/** A high but sustainable rate (below the saturation this machine reaches), where latency is the service's own. */
const FIXED_RATE = 2_000;
const HIT_P99_TARGET_MS = 20;
const MISS_TARGET_S = 60;
const DRIVER = "1.0.0";

const work = await mkdtemp(join(tmpdir(), "kmodforge-service-bench-"));

function serviceArgs(name: string, extra: string[] = []): string[] {
  return localServiceArgs(
    join(work, name),
    ["--rate-limit", "0", "--report-ttl", "0", "--poll", "200", ...extra],
    DRIVER,
  );
}

async function publishMany(storeUrl: string): Promise<string[]> {
  const kernels = Array.from({ length: PUBLISHED }, (_, i) => debianRelease(i + 1));
  const artifacts = [];
  for (const [i, kernelRelease] of kernels.entries())
    artifacts.push(
      await readArtifactDir(await writeTestArtifact(join(work, "artifacts", String(i)), { kernelRelease })),
    );
  const store = await openArtifactStore(storeUrl);
  try {
    await publishArtifacts(store, artifacts);
  } finally {
    store.destroy?.();
  }
  return kernels;
}

/** A bare node:http server in its own process: reads the body, answers `size` bytes of JSON. */
async function startBaseline(size: number): Promise<{ url: string; child: ChildProcess }> {
  const script = `
const body = JSON.stringify({ status: "succeeded", pad: "x".repeat(${size} - 32) }) + "\\n";
require("node:http").createServer((req, res) => {
  const parts = [];
  req.on("data", (c) => parts.push(c));
  req.on("end", () => {
    JSON.parse(Buffer.concat(parts).toString("utf8"));
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    res.end(body);
  });
}).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim())),
  );
  return { url: `http://127.0.0.1:${port}`, child };
}

interface Load {
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  non2xx: number;
}

/** Closed loop (each connection sends its next request on an answer: saturation), or `rate` requests/s overall. */
async function load(url: string, bodies: string[], rate?: number): Promise<Load> {
  const options = {
    url,
    connections: CONNECTIONS,
    ...(rate ? { overallRate: rate } : {}),
    duration: DURATION_S,
    requests: bodies.map((body) => ({
      method: "POST" as const,
      path: "/build",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body,
    })),
  };
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, index cache, keep-alive sockets
  const r = await autocannon(options);
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps: r.requests.average,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Each figure the median of ROUNDS runs, the baseline and the service taking turns, so a burst of load elsewhere
 * on a shared machine colours one run of each rather than all runs of one. */
async function rounds(
  baseline: string,
  service: string,
  bodies: string[],
  rate?: number,
): Promise<[Load, Load]> {
  const runs: [Load[], Load[]] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    runs[0].push(await load(baseline, bodies, rate));
    runs[1].push(await load(service, bodies, rate));
  }
  const summary = (r: Load[]): Load => ({
    p50: median(r.map((l) => l.p50)),
    p99: median(r.map((l) => l.p99)),
    rps: median(r.map((l) => l.rps)),
    errors: r.reduce((sum, l) => sum + l.errors, 0),
    non2xx: r.reduce((sum, l) => sum + l.non2xx, 0),
  });
  return [summary(runs[0]), summary(runs[1])];
}

const line = (name: string, l: Load) =>
  `${name}: p50 ${l.p50} ms, p99 ${l.p99} ms, ${Math.round(l.rps)} requests/s (${l.errors} errors, ${l.non2xx} non-2xx)`;

async function hits(): Promise<void> {
  const kernels = await publishMany(`file://${join(work, "hits", "store")}`);
  const service = await startService(serviceArgs("hits", ["--index-ttl", "2000"]));
  try {
    const bodies = kernels.filter((_, i) => i % 100 === 0).map((k) => JSON.stringify(debianRequest(k)));
    const probe = await postBuild(service.url, JSON.parse(bodies[0]!));
    if (probe.status !== 200)
      throw new Error(`a published kernel is not a hit: ${probe.status} ${probe.text}`);
    const baseline = await startBaseline(probe.text.length);
    try {
      const [bare, served] = await rounds(baseline.url, service.url, bodies);
      const [bareAtRate, servedAtRate] = await rounds(baseline.url, service.url, bodies, FIXED_RATE);
      console.log(
        `hit answer: ${probe.text.length} bytes; index of ${PUBLISHED} kernels; ${CONNECTIONS} connections; medians of ${ROUNDS} runs of ${DURATION_S} s`,
      );
      console.log(line("saturated: baseline (bare node:http, same body size)", bare));
      console.log(line("saturated: service hits (POST /build)", served));
      console.log(line(`${FIXED_RATE} requests/s: baseline`, bareAtRate));
      console.log(line(`${FIXED_RATE} requests/s: service hits`, servedAtRate));
      console.log(
        `service / baseline (saturated): p99 ×${(served.p99 / Math.max(bare.p99, 1)).toFixed(1)}, requests/s ×${(served.rps / bare.rps).toFixed(2)}`,
      );
      const verdict = (p99: number) => `${p99 < HIT_P99_TARGET_MS ? "met" : "MISSED"} (${p99} ms)`;
      console.log(
        `target hits p99 < ${HIT_P99_TARGET_MS} ms: saturated ${verdict(served.p99)}; at ${FIXED_RATE} requests/s ${verdict(servedAtRate.p99)}`,
      );
      if (served.errors || served.non2xx || servedAtRate.errors || servedAtRate.non2xx) process.exitCode = 1;
    } finally {
      baseline.child.kill();
    }
  } finally {
    await service.stop();
  }
}

async function realMiss(name: string, cacheDir: string): Promise<void> {
  const kernel = await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
  const service = await startService(serviceArgs(name, ["--cache-dir", cacheDir]));
  try {
    const t0 = performance.now();
    const miss = await postBuild(service.url, debianRequest(kernel));
    if (miss.status !== 202) throw new Error(`expected a miss: ${miss.status} ${miss.text}`);
    const done = await waitForStatus(
      service.url,
      String(miss.body.build_id),
      (a) => !["queued", "building"].includes(String(a.body.status)),
      600_000,
    );
    const seconds = (performance.now() - t0) / 1000;
    if (done.body.status !== "succeeded") throw new Error(`the build did not succeed: ${done.text}`);
    const hit = await postBuild(service.url, debianRequest(kernel));
    console.log(
      `real miss (${name} header cache) ${kernel}: request → published in ${seconds.toFixed(1)} s, then a hit (${hit.status})`,
    );
    console.log(
      `target real miss < ${MISS_TARGET_S} s (${name}): ${seconds < MISS_TARGET_S ? "met" : "MISSED"} (${seconds.toFixed(1)} s)`,
    );
  } finally {
    await service.stop();
  }
}

try {
  await hits();
  await realMiss("warm", BUILD_CACHE);
  if (process.argv.includes("--cold")) await realMiss("cold", join(work, "cold-cache"));
} finally {
  await rm(work, { recursive: true, force: true });
}
