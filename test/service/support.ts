import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { publishArtifactDir } from "../../src/adapters/publish/publish.js";
import { openArtifactStore, type StoreOptions } from "../../src/adapters/stores/open.js";
import { writeTestArtifact } from "../publish/support.js";
import type { FakeRunsOptions } from "../support/github-fake.js";

/**
 * The real service, as users run it: `kmodforge serve` in its own process on a loopback port, stopped with a signal
 * (or killed outright, as a crash or a node reboot would).
 */

export const REPO = join(import.meta.dirname, "../..");
export const TOKEN = "test-token-0123456789abcdef";

export interface RunningService {
  url: string;
  child: ChildProcess;
  /** The structured log lines written so far. */
  logs(): Array<Record<string, unknown>>;
  /** SIGTERM and wait (graceful stop); SIGKILL for a crash. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startService(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningService> {
  const child = spawn(
    process.execPath,
    [join(REPO, "bin/kmodforge.js"), "serve", "--listen", "127.0.0.1:0", ...args],
    {
      cwd: REPO,
      env: { ...process.env, KMODFORGE_SERVICE_TOKENS: TOKEN, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines: string[] = [];
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
    const parts = stderr.split("\n");
    stderr = parts.pop() ?? "";
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${lines.join("\n")}`)), 60_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /\{"listening":"([^"]+)"\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening:\n${lines.join("\n")}\n${stderr}`));
    });
  });
  return {
    url,
    child,
    logs: () =>
      lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * `serve --builder local` over a directory store and a directory state store below `dir`, building driver version
 * `driverVersion` (default 1.0.0); `extra` adds or overrides options.
 */
export function localServiceArgs(dir: string, extra: string[] = [], driverVersion = "1.0.0"): string[] {
  return [
    "--builder",
    "local",
    "--store",
    `file://${join(dir, "store")}`,
    "--state",
    `file://${join(dir, "state")}`,
    "--driver-version",
    driverVersion,
    ...extra,
  ];
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

async function answer(r: Response): Promise<Answer> {
  const text = await r.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // a text/plain or HTML answer
  }
  return { status: r.status, headers: r.headers, body, text };
}

export async function postBuild(
  url: string,
  body: unknown,
  options: { token?: string | null; accept?: string; contentType?: string; raw?: string } = {},
): Promise<Answer> {
  const token = options.token === undefined ? TOKEN : options.token;
  const r = await fetch(`${url}/build`, {
    method: "POST",
    headers: {
      "content-type": options.contentType ?? "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(options.accept ? { accept: options.accept } : {}),
    },
    body: options.raw ?? JSON.stringify(body),
  });
  return answer(r);
}

export async function getStatus(url: string, id: string): Promise<Answer> {
  return answer(await fetch(`${url}/status/${id}`));
}

/** Polls a build's status until `until` holds (every answer seen is kept, in order). */
export async function waitForStatus(
  url: string,
  id: string,
  until: (a: Answer) => boolean,
  timeoutMs = 30_000,
  seen: string[] = [],
): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const a = await getStatus(url, id);
    const status = String(a.body.status);
    if (seen.at(-1) !== status) seen.push(status);
    if (until(a)) return a;
    if (Date.now() > deadline)
      throw new Error(`build ${id} still ${a.text.trim()} after ${timeoutMs} ms (seen ${seen.join(" → ")})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Debian 12 request body in the service's field names. */
export function debianRequest(kernel: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kernel_version: kernel,
    architecture: "x86_64",
    distribution: "debian",
    distro_version: "12",
    ...extra,
  };
}

/** What the GitHub fake needs to know of ci/build.yml: its run-name and its step names, read from the file. */
export function buildWorkflowRuns(): FakeRunsOptions {
  const doc = parse(readFileSync(join(REPO, "ci/build.yml"), "utf8")) as {
    "run-name": string;
    jobs: { build: { steps: Array<{ name?: string; uses?: string }> } };
  };
  return {
    runName: doc["run-name"],
    steps: doc.jobs.build.steps.map((s) => s.name ?? `Run ${s.uses}`),
  };
}

/** Publishes a (synthetic) build of a Debian 12 kernel to a store, as the build workflow's publish step does. */
export async function publishTestBuild(
  storeUrl: string,
  kernelRelease: string,
  driverVersion: string,
  options: StoreOptions = {},
): Promise<{ moduleSha256: string; moduleFile: string }> {
  const out = await mkdtemp(join(tmpdir(), "kmodforge-svc-artifact-"));
  const store = await openArtifactStore(storeUrl, options);
  try {
    const dir = await writeTestArtifact(out, { kernelRelease, driverVersion });
    const report = await publishArtifactDir(store, dir);
    if (report.published.length + report.unchanged.length !== 1)
      throw new Error("the test build was not published");
    const metadata = JSON.parse(readFileSync(join(dir, "metadata.json"), "utf8")) as {
      modules: Array<{ sha256: string; file: string }>;
    };
    return { moduleSha256: metadata.modules[0]!.sha256, moduleFile: metadata.modules[0]!.file };
  } finally {
    store.destroy?.();
    await rm(out, { recursive: true, force: true });
  }
}

/** One counter of the Prometheus text exposition (summed over its label sets). */
export function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.e+-]+)$`).exec(line);
    if (m) sum += Number(m[2]);
  }
  return sum;
}

/**
 * A recording program: appends `<name> <args>` (and the SHA-256 and first bytes of a file argument) to the file
 * `$KMODFORGE_TEST_CALLS` and succeeds; stands in for insmod, modprobe, rmmod and depmod on a test "node".
 */
const RECORDER = `#!/bin/sh
line="$(basename "$0") $*"
for a in "$@"; do
  [ -f "$a" ] && line="$line sha256=$(sha256sum "$a" | cut -d' ' -f1) magic=$(od -An -c -N4 "$a" | tr -d ' ')"
done
echo "$line" >> "$KMODFORGE_TEST_CALLS"
`;

/** The recording insmod, modprobe, rmmod and depmod in `dir`. */
export async function writeRecorders(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of ["insmod", "modprobe", "rmmod", "depmod"]) {
    await writeFile(join(dir, name), RECORDER);
    await chmod(join(dir, name), 0o755);
  }
}

const daemonSetSchema = z.object({
  kind: z.literal("DaemonSet"),
  spec: z.object({
    template: z.object({
      spec: z.object({
        initContainers: z
          .array(
            z.object({
              command: z.array(z.string()),
              securityContext: z.object({ privileged: z.literal(true) }),
              volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })),
            }),
          )
          .length(1),
        volumes: z.array(
          z.object({
            name: z.string(),
            hostPath: z.object({ path: z.string() }).optional(),
            secret: z.object({ secretName: z.string() }).optional(),
          }),
        ),
      }),
    }),
  }),
});

/** The Kubernetes example (docs/examples/kmodforge-loader-daemonset.yaml): its one init container and the volumes. */
export function daemonSetExample() {
  const doc = daemonSetSchema.parse(
    parse(readFileSync(join(REPO, "docs/examples/kmodforge-loader-daemonset.yaml"), "utf8")),
  );
  const { initContainers, volumes } = doc.spec.template.spec;
  return { init: initContainers[0]!, volumes };
}
