import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGithub, startFakeGithub } from "../support/github-fake.js";
import { type MotoServer, startMoto } from "../support/moto.js";
import {
  buildWorkflowRuns,
  debianRequest,
  getStatus,
  metric,
  postBuild,
  publishTestBuild,
  type RunningService,
  startService,
  waitForStatus,
} from "./support.js";

/**
 * The service with `--builder github` on loopback, against the local GitHub REST fake (dispatches and the Actions
 * runs API) and an S3 store on moto_server: hits, a miss followed run by run to succeeded, dedupe, failure memory,
 * the deadline, and restarts in the middle of a build. The fake moves runs along the way GitHub would; "the
 * workflow publishes" is a real publish into the store.
 */

const DRIVER = "2.0.0";
let moto: MotoServer;
let gh: FakeGithub;
let work: string;
let service: RunningService;
const BUCKET = "svc-store";
const STORE = `s3://${BUCKET}/drivers`;
const s3 = () => ({ s3: { endpoint: moto.endpoint, credentials: moto.credentials } });

function args(state: string, extra: string[] = []): string[] {
  return [
    "--builder",
    "github",
    "--repo",
    "acme/drivers",
    "--github-api",
    gh.url,
    "--github-retry-base-ms",
    "1",
    "--store",
    STORE,
    "--s3-endpoint",
    moto.endpoint,
    "--state",
    state,
    "--driver-version",
    DRIVER,
    "--poll",
    "100",
    "--index-ttl",
    "100",
    "--rate-limit",
    "10000",
    "--rate-burst",
    "10000",
    ...extra,
  ];
}

const env = () => ({
  AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
  GITHUB_TOKEN: "gh-test-token",
});

function dispatchesFor(kernel: string) {
  return gh.dispatches.filter((d) => d.inputs.kernel === kernel);
}

/** The fake run of a build (created when GitHub accepted its dispatch). */
function runOf(id: string) {
  const run = gh.runs!.find(id);
  if (!run) throw new Error(`no run for build ${id}`);
  return run;
}

beforeAll(async () => {
  moto = await startMoto();
  await moto.createBucket(BUCKET);
  gh = await startFakeGithub("acme", "drivers", "kmodforge-build.yml", { runs: buildWorkflowRuns() });
  work = await mkdtemp(join(tmpdir(), "kmodforge-svc-gh-"));
  service = await startService(args(`file://${join(work, "state")}`, ["--max-retry-after", "2"]), env());
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await gh?.close();
  await moto?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("serve --builder github", () => {
  it("answers a published kernel from the index at once, with no dispatch", async () => {
    const published = await publishTestBuild(STORE, "6.1.0-10-amd64", DRIVER, s3());
    const hit = await postBuild(
      service.url,
      debianRequest("6.1.0-10-amd64", { distro_version: "bookworm", architecture: "amd64" }),
    );
    expect(hit.status).toBe(200);
    expect(hit.body).toMatchObject({
      status: "succeeded",
      sha256: published.moduleSha256,
      driver_version: DRIVER,
    });
    expect(String(hit.body.url)).toMatch(new RegExp(`^${moto.endpoint}/${BUCKET}/drivers/`));
    expect(String(hit.body.url)).toContain(published.moduleFile);
    expect(dispatchesFor("6.1.0-10-amd64")).toEqual([]);

    const text = await postBuild(service.url, debianRequest("6.1.0-10-amd64"), { accept: "text/plain" });
    expect(text.text).toContain("status succeeded\n");
    expect(text.text).toMatch(
      new RegExp(`^file module kmodtest ${published.moduleSha256} \\d+ ${published.moduleFile} http`, "m"),
    );
  });

  it("a miss: one dispatch, then queued → building → succeeded as the run goes, then a hit", async () => {
    const kernel = "6.1.0-11-amd64";
    gh.runs!.visible = false; // GitHub lists the run a moment after it accepted the dispatch
    const miss = await postBuild(service.url, debianRequest(kernel));
    expect(miss.status).toBe(202);
    expect(miss.body).toMatchObject({ status: "queued", deduplicated: false, driver_version: DRIVER });
    const id = String(miss.body.build_id);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(dispatchesFor(kernel)).toEqual([
      {
        ref: "main",
        inputs: {
          kernel,
          distro: "debian",
          "distro-version": "12",
          arch: "x86_64",
          "driver-version": DRIVER,
          "build-id": id,
          store: STORE,
        },
      },
    ]);
    const seen: string[] = [];
    await new Promise((r) => setTimeout(r, 300));
    expect((await getStatus(service.url, id)).body).toMatchObject({ status: "queued" });
    gh.runs!.reveal();
    const run = runOf(id);
    expect(run.display_title).toContain(id);
    const found = await waitForStatus(service.url, id, (a) => a.body.log_url === run.html_url, 10_000, seen);
    expect(found.body.status).toBe("queued");
    gh.runs!.start(run);
    await waitForStatus(service.url, id, (a) => a.body.status === "building", 10_000, seen);
    const published = await publishTestBuild(STORE, kernel, DRIVER, s3());
    gh.runs!.complete(run, "success");
    const done = await waitForStatus(service.url, id, (a) => a.body.status === "succeeded", 10_000, seen);
    expect(seen).toEqual(["queued", "building", "succeeded"]);
    expect(done.body).toMatchObject({ build_id: id, sha256: published.moduleSha256 });
    expect(String(done.body.url)).toContain(published.moduleFile);

    const again = await postBuild(service.url, debianRequest(kernel));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "succeeded", sha256: published.moduleSha256 });
    expect(dispatchesFor(kernel)).toHaveLength(1);
  });

  it("200 concurrent requests for one missing kernel make exactly one dispatch and one build id", async () => {
    const kernel = "6.1.0-12-amd64";
    const before = metric(
      await (await fetch(`${service.url}/metrics`)).text(),
      "kmodforge_service_dedupes_total",
    );
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => postBuild(service.url, debianRequest(kernel))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(200).fill(202));
    expect(new Set(answers.map((a) => a.body.build_id)).size).toBe(1);
    expect(answers.filter((a) => a.body.deduplicated === false)).toHaveLength(1);
    expect(dispatchesFor(kernel)).toHaveLength(1);
    const after = metric(
      await (await fetch(`${service.url}/metrics`)).text(),
      "kmodforge_service_dedupes_total",
    );
    expect(after - before).toBe(199);
  });

  it("remembers a failed kernel with its reason, log and retry-after, then builds it again after that", async () => {
    const kernel = "6.1.0-13-amd64";
    const first = await postBuild(service.url, debianRequest(kernel));
    const id = String(first.body.build_id);
    const run = runOf(id);
    gh.runs!.complete(run, "failure", "Build");
    const failed = await waitForStatus(service.url, id, (a) => a.body.status === "failed");
    expect(failed.body).toMatchObject({ reason: "build-failed", log_url: run.html_url });
    expect(String(failed.body.detail)).toContain('"Build" step failed');

    const remembered = await postBuild(service.url, debianRequest(kernel));
    expect(remembered.status).toBe(200);
    expect(remembered.body).toMatchObject({ status: "failed", build_id: id, reason: "build-failed" });
    expect(Number(remembered.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(dispatchesFor(kernel)).toHaveLength(1);

    await new Promise((r) => setTimeout(r, 2200)); // --max-retry-after 2
    const retried = await postBuild(service.url, debianRequest(kernel));
    expect(retried.status).toBe(202);
    expect(retried.body.build_id).not.toBe(id);
    expect(dispatchesFor(kernel)).toHaveLength(2);

    // A failed publish step is classified as such.
    gh.runs!.complete(runOf(String(retried.body.build_id)), "failure", "Publish");
    const publishFailed = await waitForStatus(
      service.url,
      String(retried.body.build_id),
      (a) => a.body.status === "failed",
    );
    expect(publishFailed.body.reason).toBe("publish-failed");
  });

  it("serves /healthz, /metrics in Prometheus text and the coverage report at /", async () => {
    expect(await (await fetch(`${service.url}/healthz`)).json()).toEqual({ status: "ok" });
    const metrics = await fetch(`${service.url}/metrics`);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    for (const name of [
      "kmodforge_service_lookup_hits_total",
      "kmodforge_service_lookup_misses_total",
      "kmodforge_service_dispatches_total",
      "kmodforge_service_dedupes_total",
      "kmodforge_service_remembered_failures_total",
    ])
      expect(metric(text, name), name).toBeGreaterThan(0);
    expect(text).toMatch(/^kmodforge_service_requests_total\{route="build",code="202"\} \d+$/m);
    expect(text).toMatch(
      /^kmodforge_service_request_duration_seconds_bucket\{le="0\.02",route="build"\} \d+$/m,
    );
    expect(text).toMatch(/^kmodforge_service_build_duration_seconds_count\{status="succeeded"\} 1$/m);
    const page = await fetch(`${service.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toMatch(/^<!doctype html>/i);
  });
});

describe("serve --builder github: deadline and restarts", () => {
  it("a build not finished within --timeout is timed_out and remembered", async () => {
    const timed = await startService(
      // Long enough for the service to see the run start on a busy machine, short enough for a test.
      args(`file://${join(work, "state-timeout")}`, ["--timeout", "5"]),
      env(),
    );
    try {
      const kernel = "6.1.0-14-amd64";
      const miss = await postBuild(timed.url, debianRequest(kernel));
      const id = String(miss.body.build_id);
      gh.runs!.start(runOf(id));
      const seen: string[] = [];
      await waitForStatus(timed.url, id, (a) => a.body.status !== "queued", 5_000, seen);
      const out = await waitForStatus(timed.url, id, (a) => a.body.status === "timed_out", 15_000, seen);
      expect(seen).toContain("building");
      expect(seen.at(-1)).toBe("timed_out");
      expect(out.body).toMatchObject({
        reason: "timed-out",
        detail: "not finished within 5 s of the request",
      });
      const again = await postBuild(timed.url, debianRequest(kernel));
      expect(again.body).toMatchObject({ status: "timed_out", build_id: id });
      expect(dispatchesFor(kernel)).toHaveLength(1);
    } finally {
      await timed.stop();
    }
  });

  for (const backend of ["file", "s3"] as const)
    it(`a restart in the middle of a build keeps its id and status (${backend} state)`, async () => {
      const state =
        backend === "file" ? `file://${join(work, "state-restart")}` : `s3://${BUCKET}/state-restart`;
      const kernel = backend === "file" ? "6.1.0-15-amd64" : "6.1.0-16-amd64";
      const first = await startService(args(state), env());
      const miss = await postBuild(first.url, debianRequest(kernel));
      const id = String(miss.body.build_id);
      const run = runOf(id);
      gh.runs!.start(run);
      await waitForStatus(first.url, id, (a) => a.body.status === "building");
      expect(await first.stop("SIGKILL")).toBe(null);

      const second = await startService(args(state), env());
      try {
        const status = await getStatus(second.url, id);
        expect(status.body).toMatchObject({ status: "building", build_id: id, log_url: run.html_url });
        const joined = await postBuild(second.url, debianRequest(kernel));
        expect(joined.status).toBe(202);
        expect(joined.body).toMatchObject({ build_id: id, deduplicated: true });
        expect(dispatchesFor(kernel)).toHaveLength(1);
        await publishTestBuild(STORE, kernel, DRIVER, s3());
        gh.runs!.complete(run, "success");
        await waitForStatus(second.url, id, (a) => a.body.status === "succeeded");
        expect(second.logs().some((l) => l.msg === "resuming unfinished builds")).toBe(true);
      } finally {
        await second.stop();
      }
    });
});
