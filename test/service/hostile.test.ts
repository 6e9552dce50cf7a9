import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  debianRequest,
  getStatus,
  localServiceArgs,
  metric,
  postBuild,
  type RunningService,
  startService,
  TOKEN,
} from "./support.js";

/**
 * What reaches the service from the network is hostile until proven otherwise: malformed, oversized, wrongly typed
 * or injected bodies, missing or wrong tokens, floods. Each gets a 4xx, and none of them changes anything: no build
 * starts, the state store stays empty, nothing reaches a shell.
 */

let work: string;
let service: RunningService;
const MARK = join(tmpdir(), `kmodforge-injected-${process.pid}`);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kmodforge-svc-hostile-"));
  await writeFile(join(work, "tokens"), `# node tokens\n${TOKEN}\n\nsecond-token-abcdefghijkl # a comment\n`);
  service = await startService(
    localServiceArgs(work, [
      "--token-file",
      join(work, "tokens"),
      "--body-limit",
      "4096",
      "--rate-limit",
      "5",
      "--rate-burst",
      "400",
    ]),
    { KMODFORGE_SERVICE_TOKENS: "" },
  );
}, 120_000);

afterAll(async () => {
  await service?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function stateFiles(): Promise<string[]> {
  return existsSync(join(work, "state")) ? readdir(join(work, "state"), { recursive: true }) : [];
}

/** Sends a body the raw way (declared length, chunked, or cut off) and returns the status, or the socket's error. */
function rawPost(
  path: string,
  chunks: Buffer[],
  headers: Record<string, string | number>,
): Promise<number | string> {
  const { hostname, port } = new URL(service.url);
  return new Promise((resolve) => {
    const req = request(
      { hostname, port, path, method: "POST", headers: { authorization: `Bearer ${TOKEN}`, ...headers } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message));
    const writeNext = (i: number): void => {
      if (i >= chunks.length) return void req.end();
      if (req.destroyed) return;
      req.write(chunks[i], () => writeNext(i + 1));
    };
    writeNext(0);
  });
}

const INJECTED = [
  `6.1.0-18-amd64; touch ${MARK}`,
  `$(touch ${MARK})`,
  `\`touch ${MARK}\``,
  "6.1.0-18-amd64 --source=/etc",
  "../../etc/passwd",
  "6.1.0-18-amd64\n-19",
  "6.1.0-18-amd64%00",
  "６.１.０-18-amd64",
  "a".repeat(129),
];

describe("hostile requests", () => {
  it("refuses malformed, wrongly typed, injected and over-long bodies with 4xx naming the field", async () => {
    const cases: Array<[unknown, string]> = [
      [{ ...debianRequest("6.1.0-18-amd64"), kernel_version: 6 }, "kernel_version"],
      [{ ...debianRequest("6.1.0-18-amd64"), architecture: ["x86_64"] }, "architecture"],
      [{ ...debianRequest("6.1.0-18-amd64"), distro_version: { major: 12 } }, "distro_version"],
      [{ ...debianRequest("6.1.0-18-amd64"), distribution: null }, "distribution"],
      [{ ...debianRequest("6.1.0-18-amd64"), distribution: "gentoo" }, "distribution"],
      [{ ...debianRequest("6.1.0-18-amd64"), distro_version: "11.5.beta" }, "distro_version"],
      [{ ...debianRequest("6.1.0-18-amd64"), driver_version: "1.0.0; reboot" }, "driver_version"],
      [{ ...debianRequest("6.1.0-18-amd64"), ref: "refs/heads/evil" }, "ref"],
      [{ ...debianRequest("6.1.0-18-amd64"), inputs: { store: "file:///" } }, "inputs"],
      [{ architecture: "x86_64", distribution: "debian", distro_version: "12" }, "kernel_version"],
      [[debianRequest("6.1.0-18-amd64")], "body"],
      [null, "body"],
      ["6.1.0-18-amd64", "body"],
      ...INJECTED.map((k): [unknown, string] => [debianRequest(k), "kernel_version"]),
      ...INJECTED.map((k): [unknown, string] => [
        { ...debianRequest("6.1.0-18-amd64"), distribution: k },
        "distribution",
      ]),
    ];
    for (const [body, field] of cases) {
      const a = await postBuild(service.url, body);
      expect([JSON.stringify(body).slice(0, 80), a.status]).toEqual([JSON.stringify(body).slice(0, 80), 400]);
      const issues = (a.body.error as { issues?: Array<{ field: string }> }).issues ?? [];
      expect(issues.map((i) => i.field).join(","), a.text).toContain(field);
    }
    // The proto key is an unknown field, not a way into the object.
    const proto = await postBuild(service.url, undefined, {
      raw: `{"__proto__":{"kernel_version":"x"},${JSON.stringify(debianRequest("6.1.0-18-amd64")).slice(1)}`,
    });
    expect(proto.status).toBe(400);
  });

  it("refuses bodies that are not JSON, not UTF-8 or not application/json", async () => {
    for (const raw of ["{", "", "\u0000", "{}}", "[".repeat(2000) + "]".repeat(2000)])
      expect((await postBuild(service.url, undefined, { raw })).status).toBe(400);
    const latin1 = Buffer.from(`{"kernel_version":"6.1.0-18-amd64\xe9"}`, "latin1");
    expect(
      await rawPost("/build", [latin1], {
        "content-type": "application/json",
        "content-length": latin1.length,
      }),
    ).toBe(400);
    const asText = await postBuild(service.url, debianRequest("6.1.0-18-amd64"), {
      contentType: "text/plain",
    });
    expect(asText.status).toBe(415);
    expect((await fetch(`${service.url}/build`)).status).toBe(405);
    expect((await fetch(`${service.url}/build`, { method: "PUT" })).status).toBe(405);
    expect((await fetch(`${service.url}/status/x`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${service.url}/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${service.url}/store/..%2F..%2Fetc/passwd`)).status).toBe(404);
    expect((await getStatus(service.url, "../../state")).status).toBe(404);
    expect((await getStatus(service.url, "0".repeat(32))).status).toBe(404);
  });

  it("refuses bodies over the limit, declared or streamed, without reading them", async () => {
    const big = Buffer.alloc(64 * 1024, 0x20);
    expect(
      await rawPost("/build", [big], { "content-type": "application/json", "content-length": 50_000_000 }),
    ).toSatisfy((r: number | string) => r === 413 || r === "ECONNRESET" || r === "EPIPE");
    const streamed = Array.from({ length: 64 }, () => Buffer.alloc(16 * 1024, 0x20));
    expect(
      await rawPost("/build", streamed, {
        "content-type": "application/json",
        "transfer-encoding": "chunked",
      }),
    ).toSatisfy((r: number | string) => r === 413 || r === "ECONNRESET" || r === "EPIPE");
    const justOver = JSON.stringify({ ...debianRequest("6.1.0-18-amd64"), pad: " ".repeat(4096) });
    expect((await postBuild(service.url, undefined, { raw: justOver })).status).toBe(413);
    // The service still answers afterwards.
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  it("refuses POST /build without a valid bearer token; every token of the file works", async () => {
    const body = debianRequest("6.1.0-18-amd64", { driver_version: "9.9.9" });
    for (const token of [null, "", "wrong-token-0123456789", `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const a = await postBuild(service.url, body, { token });
      expect(a.status).toBe(401);
      expect(a.headers.get("www-authenticate")).toBe('Bearer realm="kmodforge"');
    }
    const basic = await fetch(`${service.url}/build`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });
    expect(basic.status).toBe(401);
    // A known token gets through to validation: driver 9.9.9 is neither published nor built here (422).
    for (const token of [TOKEN, "second-token-abcdefghijkl"])
      expect((await postBuild(service.url, body, { token })).status).toBe(422);
  });

  it("nothing above changed anything: no build, no record, nothing ran", async () => {
    expect(await stateFiles()).toEqual([]);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metric(metrics, "kmodforge_service_dispatches_total")).toBe(0);
    expect(existsSync(MARK)).toBe(false);
    // Refusals are logged as structured lines, with no request body in them.
    const refusals = service.logs().filter((l) => l.msg === "request" && Number(l.code) >= 400);
    expect(refusals.length).toBeGreaterThan(40);
    expect(JSON.stringify(refusals)).not.toContain("touch");
  });

  it("limits each client's rate with a token bucket and says when to come back", async () => {
    const answers = await Promise.all(
      Array.from({ length: 450 }, () => getStatus(service.url, "f".repeat(32))),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // /healthz and /metrics are never limited.
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});
