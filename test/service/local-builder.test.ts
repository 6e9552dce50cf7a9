import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BUILD_CACHE, newestRelease } from "../build/support.js";
import { file, requireOrSkip, tool } from "../support/prerequisites.js";
import {
  debianRequest,
  getStatus,
  localServiceArgs,
  metric,
  postBuild,
  type RunningService,
  startService,
  waitForStatus,
} from "./support.js";

/**
 * `serve --builder local` end to end on this machine: a real miss for a Debian 12 kernel the store does not have is
 * built by the host (headers from the configured mirror, through the shared build cache), published to a directory
 * store the service serves itself, and is a hit from then on; a kernel the archive does not have fails once and is
 * remembered; a restart in the middle of a local build keeps its id and builds it again.
 */

const DRIVER = "1.0.0";
const BUILD_TIMEOUT_MS = 300_000;
let work: string;
let kernel: string;

function args(name: string, extra: string[] = []): string[] {
  return localServiceArgs(
    join(work, name),
    [
      "--cache-dir",
      BUILD_CACHE,
      "--work-dir",
      join(work, name, "work"),
      "--poll",
      "200",
      "--index-ttl",
      "100",
      ...extra,
    ],
    DRIVER,
  );
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

beforeEach((ctx) => requireOrSkip(ctx, tool("make"), file(BUILD_CACHE, "the build cache")));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kmodforge-svc-local-"));
  kernel = await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("serve --builder local", () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService(args("main", ["--max-retry-after", "3600"]));
  }, 120_000);
  afterAll(async () => service?.stop());

  it(
    "a real miss: one build on this machine, queued → building → succeeded, published and served, then a hit",
    async () => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => postBuild(service.url, debianRequest(kernel))),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
      const ids = new Set(answers.map((a) => String(a.body.build_id)));
      expect(ids.size).toBe(1);
      const [id] = [...ids] as [string];
      const seen: string[] = [];
      const done = await waitForStatus(
        service.url,
        id,
        (a) => a.body.status !== "queued" && a.body.status !== "building",
        BUILD_TIMEOUT_MS,
        seen,
      );
      expect(done.body, done.text).toMatchObject({ status: "succeeded", build_id: id, kernel });
      expect(seen.at(-1)).toBe("succeeded");
      expect(seen).toContain("building");
      // The deadline is the default 15 minutes after the request (the first snapshot in the state store).
      const first = JSON.parse(
        await readFile(join(work, "main/state/service/builds", id, "000001.json"), "utf8"),
      ) as { createdAt: string; deadline: string };
      expect(Date.parse(first.deadline) - Date.parse(first.createdAt)).toBe(15 * 60_000);
      // What the service names is downloadable from it, byte for byte what the index says.
      const url = String(done.body.url);
      expect(url.startsWith(`${service.url}/store/`)).toBe(true);
      const module = Buffer.from(await (await fetch(url)).arrayBuffer());
      expect(createHash("sha256").update(module).digest("hex")).toBe(done.body.sha256);
      expect(module.subarray(0, 6)).toEqual(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])); // xz

      const hit = await postBuild(service.url, debianRequest(kernel));
      expect(hit.status).toBe(200);
      expect(hit.body).toMatchObject({ status: "succeeded", sha256: done.body.sha256, url });
      const text = await metrics(service.url);
      expect(metric(text, "kmodforge_service_dispatches_total")).toBe(1);
      expect(metric(text, "kmodforge_service_dedupes_total")).toBe(19);
      expect(text).toMatch(/^kmodforge_service_build_duration_seconds_count\{status="succeeded"\} 1$/m);
    },
    BUILD_TIMEOUT_MS + 30_000,
  );

  it("a kernel the archive does not have fails once, classified, and is remembered with its retry-after", async () => {
    // abi-literal-ok: an ABI the archive will never serve, so the build must fail as headers-unavailable
    const unserved = "6.1.0-999-amd64";
    const missing = debianRequest(unserved);
    const first = await postBuild(service.url, missing);
    expect(first.status).toBe(202);
    const id = String(first.body.build_id);
    const failed = await waitForStatus(service.url, id, (a) => a.body.status === "failed", 120_000);
    expect(failed.body.reason).toBe("headers-unavailable");
    expect(String(failed.body.detail)).toContain(unserved);
    const before = metric(await metrics(service.url), "kmodforge_service_dispatches_total");
    // A fleet on that kernel: every node gets the remembered failure, none starts a build.
    const fleet = await Promise.all(Array.from({ length: 50 }, () => postBuild(service.url, missing)));
    for (const a of fleet) {
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ status: "failed", build_id: id, reason: "headers-unavailable" });
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(60);
    }
    const after = await metrics(service.url);
    expect(metric(after, "kmodforge_service_dispatches_total")).toBe(before);
    expect(metric(after, "kmodforge_service_remembered_failures_total")).toBe(50);
  }, 150_000);
});

describe("serve --builder local: restarts", () => {
  it(
    "a restart in the middle of a local build keeps the build id; the build is queued again and published",
    async () => {
      const first = await startService(args("restart"));
      const miss = await postBuild(first.url, debianRequest(kernel));
      expect(miss.status).toBe(202);
      const id = String(miss.body.build_id);
      await waitForStatus(first.url, id, (a) => a.body.status === "building", 60_000);
      expect(await first.stop("SIGKILL")).toBe(null);

      const second = await startService(args("restart"));
      try {
        const status = await getStatus(second.url, id);
        expect(status.body).toMatchObject({ build_id: id, kernel });
        expect(["queued", "building"]).toContain(status.body.status);
        const joined = await postBuild(second.url, debianRequest(kernel));
        expect(joined.body).toMatchObject({ build_id: id, deduplicated: true });
        const done = await waitForStatus(
          second.url,
          id,
          (a) => !["queued", "building"].includes(String(a.body.status)),
          BUILD_TIMEOUT_MS,
        );
        expect(done.body, done.text).toMatchObject({ status: "succeeded", build_id: id });
        expect(second.logs().some((l) => l.msg === "build queued again after a restart")).toBe(true);
        expect(metric(await metrics(second.url), "kmodforge_service_dispatches_total")).toBe(0);
      } finally {
        await second.stop();
      }
    },
    2 * BUILD_TIMEOUT_MS,
  );
});
