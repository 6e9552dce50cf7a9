import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { imageExists, podman, runtimeArgs, ulimitArgs } from "../../src/adapters/podman.js";
import { BUILD_CACHE, newestRelease } from "../build/support.js";
import { CONTAINER_BUILDS, file, requireOrSkip } from "../support/prerequisites.js";
import {
  daemonSetExample,
  localServiceArgs,
  REPO,
  type RunningService,
  startService,
  TOKEN,
  writeRecorders,
} from "./support.js";

/**
 * The Kubernetes example as a node runs it: dockerfiles/loader.Dockerfile built with podman (from the Debian 12 base
 * the environment imports), and the DaemonSet's init container command, read from
 * docs/examples/kmodforge-loader-daemonset.yaml, run in it with the example's mounts — the host's /etc/os-release,
 * a stand-in for /lib/modules, the cache, the token — against the real service with `--builder local`. Loading
 * into this machine's kernel is replaced by recording modprobe/depmod, and the kernel release (a container shares
 * the host's, which is no Debian kernel here) is given.
 */

const BASE = "docker.io/library/debian:bookworm";
const IMAGE = "localhost/kmodforge-loader-test:latest";
const baseImported = CONTAINER_BUILDS.every((p) => p.present) && (await imageExists(BASE));

let work: string;
let kernel: string;
let service: RunningService;

beforeEach((ctx) =>
  requireOrSkip(
    ctx,
    ...CONTAINER_BUILDS,
    { what: `the ${BASE} image (test/env setup imports it)`, present: baseImported },
    file(BUILD_CACHE),
  ),
);

beforeAll(async () => {
  if (!baseImported) return;
  work = await mkdtemp(join(tmpdir(), "kmodforge-loader-image-"));
  kernel = await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
  const built = await podman(
    [
      "build",
      ...runtimeArgs(),
      ...(await ulimitArgs()),
      "--build-arg",
      `BASE_IMAGE=${BASE}`,
      "-f",
      "dockerfiles/loader.Dockerfile",
      "-t",
      IMAGE,
      ".",
    ],
    { cwd: REPO, timeoutMs: 600_000 },
  );
  if (built.code !== 0) throw new Error(`podman build failed:\n${built.stderr.slice(-3000)}`);
  service = await startService(
    localServiceArgs(work, ["--cache-dir", BUILD_CACHE, "--poll", "200", "--index-ttl", "100"]),
  );
}, 720_000);

afterAll(async () => {
  await service?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the loader image with the DaemonSet's command", () => {
  it("asks the service, gets the on-demand build, installs it under the host's /lib/modules and modprobes it", async () => {
    const { init, volumes } = daemonSetExample();
    const command = [...init.command];
    command[command.indexOf("--service") + 1] = service.url;
    // Where each of the example's volumes comes from on this "node".
    const host = join(work, "node");
    const source: Record<string, string> = {
      "/etc/os-release": "/etc/os-release",
      "/lib/modules": join(host, "lib/modules"),
      "/var/cache/kmodforge": join(host, "cache"),
    };
    await mkdir(source["/lib/modules"]!, { recursive: true });
    await mkdir(source["/var/cache/kmodforge"]!, { recursive: true });
    await mkdir(join(host, "secret"), { recursive: true });
    await writeFile(join(host, "secret/token"), `${TOKEN}\n`);
    const mounts = init.volumeMounts.map((m) => {
      const volume = volumes.find((v) => v.name === m.name)!;
      const from = volume.secret ? join(host, "secret") : source[volume.hostPath!.path]!;
      return ["-v", `${from}:${m.mountPath}`];
    });
    await writeRecorders(join(host, "recorders"));
    const ran = await podman(
      [
        "run",
        "--rm",
        ...runtimeArgs(),
        ...(await ulimitArgs()),
        "--network=host",
        ...mounts.flat(),
        "-v",
        `${join(host, "recorders")}:/recorders`,
        ...["--env", "KMODFORGE_TEST_CALLS=/recorders/calls"],
        ...["--env", "KMODFORGE_MODPROBE=/recorders/modprobe", "--env", "KMODFORGE_DEPMOD=/recorders/depmod"],
        ...["--env", `KMODFORGE_KERNEL=${kernel}`],
        "--entrypoint",
        command[0]!,
        IMAGE,
        ...command.slice(1),
      ],
      { timeoutMs: 600_000 },
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toMatch(/build [0-9a-f]{32} of .* is (queued|building)/);
    const calls = (await readFile(join(host, "recorders/calls"), "utf8")).trim().split("\n");
    expect(calls).toEqual([`depmod -b /host ${kernel}`, "modprobe -d /host kmodforge_sample"]);
    const installed = join(source["/lib/modules"]!, kernel, "updates/kmodforge/kmodforge_sample.ko");
    expect((await readFile(installed)).subarray(0, 4)).toEqual(Buffer.from("\x7fELF", "latin1"));
    expect(existsSync(join(source["/var/cache/kmodforge"]!, kernel))).toBe(true);
  }, 600_000);
});
