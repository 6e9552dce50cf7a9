import { execFileSync, spawn } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LOADER_EXIT_CODES } from "../../src/core/service/loader-exit-codes.js";
import { BUILD_CACHE, newestRelease } from "../build/support.js";
import { file, requireOrSkip, tool } from "../support/prerequisites.js";
import {
  localServiceArgs,
  metric,
  REPO,
  type RunningService,
  startService,
  TOKEN,
  writeRecorders,
} from "./support.js";

/**
 * The node loader (scripts/kmodforge-loader.sh) end to end against the real service with real builds: a kernel the
 * store lacks is built on demand and loaded, then it is a hit; a tampered download, a failed build, a refused
 * identity, an unreachable service and a wrong index key each end with their exit code and load nothing. Every run
 * goes through `dash` and `busybox sh` (POSIX only), with recording `insmod`/`uname` programs first on PATH.
 */

const LOADER = join(REPO, "scripts/kmodforge-loader.sh");
const SHELLS: ReadonlyArray<[string, string[]]> = [
  ["dash", ["dash"]],
  ["busybox sh", ["busybox", "sh"]],
];
const DRIVER = "1.0.0";
let work: string;
let kernel: string;
let service: RunningService;

interface LoaderRun {
  code: number | null;
  stderr: string;
  /** What the recording insmod/modprobe/rmmod saw: `<tool> <args> sha256=<of the file given>`. */
  calls: string[];
}

/** uname as the node would answer: the kernel under test and x86_64. */
const UNAME = `#!/bin/sh
case $1 in -r) echo "$KMODFORGE_TEST_UNAME_R" ;; -m) echo x86_64 ;; *) exec /bin/uname "$@" ;; esac
`;

async function prepareNode(): Promise<void> {
  const bin = join(work, "bin");
  await mkdir(bin, { recursive: true });
  await writeRecorders(bin);
  await writeFile(join(bin, "uname"), UNAME);
  await chmod(join(bin, "uname"), 0o755);
  await mkdir(join(work, "root/etc"), { recursive: true });
  await writeFile(
    join(work, "root/etc/os-release"),
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  );
  await mkdir(join(work, "gentoo/etc"), { recursive: true });
  await writeFile(join(work, "gentoo/etc/os-release"), "ID=gentoo\nVERSION_ID=2.15\n");
  await writeFile(join(work, "token"), `${TOKEN}\n`);
  const keys = generateKeyPairSync("ed25519");
  await writeFile(join(work, "sign.pem"), keys.privateKey.export({ type: "pkcs8", format: "pem" }));
  await writeFile(join(work, "public.pem"), keys.publicKey.export({ type: "spki", format: "pem" }));
  const other = generateKeyPairSync("ed25519").publicKey;
  await writeFile(join(work, "other.pem"), other.export({ type: "spki", format: "pem" }));
}

let runs = 0;
function runLoader(
  shell: readonly string[],
  args: string[],
  options: { unameR?: string; root?: string } = {},
): Promise<LoaderRun> {
  const calls = join(work, `calls-${++runs}`);
  const child = spawn(
    shell[0]!,
    [
      ...shell.slice(1),
      LOADER,
      "--root",
      options.root ?? join(work, "root"),
      "--cache-dir",
      join(work, `cache-${runs}`),
      ...args,
    ],
    {
      env: {
        PATH: `${join(work, "bin")}:${process.env.PATH}`,
        // busybox sh runs its own applets before PATH: the recorders are named by path, and the kernel release
        // is given where busybox would answer its own uname.
        ...Object.fromEntries(
          ["insmod", "modprobe", "rmmod", "depmod"].map((t) => [
            `KMODFORGE_${t.toUpperCase()}`,
            join(work, "bin", t),
          ]),
        ),
        ...(shell[0] === "busybox" ? { KMODFORGE_KERNEL: options.unameR ?? kernel } : {}),
        KMODFORGE_TEST_CALLS: calls,
        KMODFORGE_TEST_UNAME_R: options.unameR ?? kernel,
        TMPDIR: work,
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) =>
    child.once("exit", async (code) => {
      const text = await readFile(calls, "utf8").catch(() => "");
      resolve({ code, stderr, calls: text.split("\n").filter(Boolean) });
    }),
  );
}

const withService = (extra: string[] = []) => [
  "--service",
  service.url,
  "--token-file",
  join(work, "token"),
  ...extra,
];

/** The SHA-256 of a module once decompressed: what insmod must be given. */
async function decompressedSha(url: string): Promise<string> {
  const xz = Buffer.from(await (await fetch(url)).arrayBuffer());
  const ko = execFileSync("xz", ["-dc"], { input: xz });
  return createHash("sha256").update(ko).digest("hex");
}

async function dispatches(): Promise<number> {
  return metric(await (await fetch(`${service.url}/metrics`)).text(), "kmodforge_service_dispatches_total");
}

beforeEach((ctx) =>
  requireOrSkip(
    ctx,
    tool("dash"),
    tool("busybox"),
    tool("curl"),
    tool("openssl"),
    tool("make"),
    file(BUILD_CACHE),
  ),
);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kmodforge-loader-"));
  kernel = await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
  await prepareNode();
  service = await startService(
    localServiceArgs(
      work,
      [
        "--cache-dir",
        BUILD_CACHE,
        "--work-dir",
        join(work, "build"),
        "--publish-sign-key",
        join(work, "sign.pem"),
        "--poll",
        "200",
        "--index-ttl",
        "100",
        "--max-retry-after",
        "3600",
      ],
      DRIVER,
    ),
  );
}, 120_000);

afterAll(async () => {
  await service?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("kmodforge-loader.sh", () => {
  it("a kernel the store lacks: POST /build, poll, download, verify, decompress, insmod (dash)", async () => {
    const r = await runLoader(["dash"], withService(["--public-key", join(work, "public.pem")]));
    expect(r.stderr).toMatch(/build [0-9a-f]{32} of .* is (queued|building); asking again in 2 s/);
    expect(r.stderr).toContain("signature verified");
    expect(r.code, r.stderr).toBe(LOADER_EXIT_CODES.LOADED);
    const status = await fetch(`${service.url}/build`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        kernel_version: kernel,
        architecture: "x86_64",
        distribution: "debian",
        distro_version: "12",
      }),
    });
    const hit = (await status.json()) as { url: string; status: string };
    expect(hit.status).toBe("succeeded");
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]).toMatch(/^insmod \S+\/kmodforge_sample\.ko sha256=[0-9a-f]{64} magic=177ELF$/);
    expect(r.calls[0]).toContain(`sha256=${await decompressedSha(hit.url)}`);
    expect(await dispatches()).toBe(1);
  }, 300_000);

  for (const [name, shell] of SHELLS)
    it(`a published kernel is a hit: loaded at once, no build (${name})`, async () => {
      const r = await runLoader(shell, withService(["--public-key", join(work, "public.pem")]));
      expect(r.code, r.stderr).toBe(LOADER_EXIT_CODES.LOADED);
      expect(r.stderr).not.toContain("asking again");
      expect(r.calls).toHaveLength(1);
      expect(r.calls[0]).toMatch(/^insmod .*kmodforge_sample\.ko sha256=[0-9a-f]{64} magic=177ELF$/);
      const modprobe = await runLoader(shell, withService(["--mode", "modprobe"]));
      expect(modprobe.code, modprobe.stderr).toBe(LOADER_EXIT_CODES.LOADED);
      // Installed under the host root (--root) and loaded from there.
      expect(modprobe.calls.at(-1)).toBe(`modprobe -d ${join(work, "root")} kmodforge_sample`);
      expect(modprobe.calls.map((c) => c.split(" ").slice(0, 2).join(" "))).toEqual([
        "depmod -b",
        "modprobe -d",
      ]);
      expect(await dispatches()).toBe(1);
    });

  for (const [name, shell] of SHELLS)
    it(`a download that does not match its SHA-256 is refused and nothing is loaded (${name})`, async () => {
      const store = join(work, "store");
      const shard = execFileSync("find", [store, "-name", "*.ko.xz"], { encoding: "utf8" }).trim();
      const original = await readFile(shard);
      const tampered = Buffer.from(original);
      tampered.writeUInt8(tampered.readUInt8(tampered.length - 100) ^ 0xff, tampered.length - 100);
      await writeFile(shard, tampered);
      try {
        const r = await runLoader(shell, withService());
        expect(r.code, r.stderr).toBe(LOADER_EXIT_CODES.CHECKSUM);
        expect(r.stderr).toContain("checksum mismatch");
        expect(r.calls).toEqual([]);
      } finally {
        await writeFile(shard, original);
      }
    });

  it("an index signed with another key is refused (busybox sh)", async () => {
    const r = await runLoader(["busybox", "sh"], withService(["--public-key", join(work, "other.pem")]));
    expect(r.code, r.stderr).toBe(LOADER_EXIT_CODES.SIGNATURE);
    expect(r.calls).toEqual([]);
  });

  for (const [name, shell] of SHELLS)
    it(`a kernel that cannot be built: the failure, its reason and retry-after (${name})`, async () => {
      // abi-literal-ok: an ABI the archive will never serve, so the build must fail as headers-unavailable
      const r = await runLoader(shell, withService(), { unameR: "6.1.0-999-amd64" });
      expect(r.code, r.stderr).toBe(LOADER_EXIT_CODES.BUILD_FAILED);
      expect(r.stderr).toMatch(/failed \(headers-unavailable\).*builds it again after 20\d\d-/);
      expect(r.calls).toEqual([]);
    }, 120_000);

  it("a build that does not finish within --timeout ends with the timeout code", async () => {
    // abi-literal-ok: an ABI the archive will never serve; the zero timeout ends it before any build
    const r = await runLoader(["dash"], withService(["--timeout", "0"]), { unameR: "6.1.0-998-amd64" });
    expect(r.code, r.stderr).toBe(LOADER_EXIT_CODES.TIMEOUT);
    expect(r.stderr).toContain("did not finish within 0 s");
  });

  it("identity, usage and service errors have their own codes", async () => {
    const gentoo = await runLoader(["dash"], withService(), { root: join(work, "gentoo") });
    expect(gentoo.code, gentoo.stderr).toBe(LOADER_EXIT_CODES.IDENTITY);
    expect(gentoo.stderr).toContain("distribution");
    // abi-literal-ok: a hostile uname string, refused before anything is asked of the archive
    const hostile = await runLoader(["dash"], withService(), { unameR: "6.1.0-18-amd64;reboot" });
    expect(hostile.code, hostile.stderr).toBe(LOADER_EXIT_CODES.IDENTITY);
    expect((await runLoader(["dash"], ["--bogus"])).code).toBe(LOADER_EXIT_CODES.USAGE);
    expect((await runLoader(["dash"], [])).code).toBe(LOADER_EXIT_CODES.USAGE);
    const unreachable = await runLoader(["dash"], ["--service", "http://127.0.0.1:9"]);
    expect(unreachable.code, unreachable.stderr).toBe(LOADER_EXIT_CODES.SERVICE);
    const wrongToken = await runLoader(["dash"], ["--service", service.url]);
    expect(wrongToken.code, wrongToken.stderr).toBe(LOADER_EXIT_CODES.SERVICE);
    expect(wrongToken.stderr).toContain("HTTP 401");
    for (const r of [gentoo, hostile, unreachable, wrongToken]) expect(r.calls).toEqual([]);
  });

  it("keeps the verified artifact, and loads that copy when the service cannot be reached", async () => {
    const kept = ["--cache-dir", join(work, "kept")];
    const online = await runLoader(["dash"], withService(kept));
    expect(online.code, online.stderr).toBe(LOADER_EXIT_CODES.LOADED);
    const offline = await runLoader(["busybox", "sh"], ["--service", "http://127.0.0.1:9", ...kept]);
    expect(offline.code, offline.stderr).toBe(LOADER_EXIT_CODES.LOADED);
    expect(offline.stderr).toContain("loading the copy kept in");
    expect(offline.calls).toHaveLength(1);
    expect(offline.calls[0]?.split(" sha256=")[1]).toBe(online.calls[0]?.split(" sha256=")[1]);
  });

  it("--from-dir verifies, decompresses and loads an artifact already on disk; a tampered one is refused", async () => {
    const store = join(work, "store");
    const dir = join(work, "artifact");
    await mkdir(dir, { recursive: true });
    for (const asset of execFileSync("find", [store, "-path", "*_1/*", "-type", "f"], { encoding: "utf8" })
      .trim()
      .split("\n")) {
      const plain = asset
        .split("/")
        .at(-1)!
        .replace(/^[0-9a-f]{16}\./, "");
      await writeFile(join(dir, plain), await readFile(asset));
    }
    const ok = await runLoader(["busybox", "sh"], ["--from-dir", dir]);
    expect(ok.code, ok.stderr).toBe(LOADER_EXIT_CODES.LOADED);
    expect(ok.calls).toHaveLength(1);
    await writeFile(join(dir, "metadata.json"), `${await readFile(join(dir, "metadata.json"), "utf8")} `);
    const bad = await runLoader(["busybox", "sh"], ["--from-dir", dir]);
    expect(bad.code, bad.stderr).toBe(LOADER_EXIT_CODES.CHECKSUM);
    expect(bad.calls).toEqual([]);
  });
});
