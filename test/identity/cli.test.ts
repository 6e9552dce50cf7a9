import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/kmodforge.js", import.meta.url));
const GOLDEN = fileURLToPath(new URL("../fixtures/identity/golden/", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kmodforge(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
    });
  });
}

function identityArgs(
  kernel: string,
  distro: string,
  version: string,
  arch: string,
  extra: string[] = [],
): string[] {
  return [
    "identity",
    "--kernel",
    kernel,
    "--distro",
    distro,
    "--distro-version",
    version,
    "--arch",
    arch,
    ...extra,
    "--json",
  ];
}

const CASES: Array<[string, string[]]> = [
  [
    "ubuntu-22.04-hwe",
    identityArgs("6.8.0-45-generic", "ubuntu", "jammy", "amd64", [
      "--module",
      "kmodtest",
      "--driver-version",
      "1.2.3",
    ]),
  ],
  [
    "debian-12-arm64-6.12",
    identityArgs("6.12.117+deb12-arm64", "debian", "bookworm", "arm64", [
      "--module",
      "kmodtest",
      "--driver-version",
      "8.0.0+driver",
    ]),
  ],
  ["amazonlinux-2-5.10", identityArgs("5.10.210-201.852.amzn2.x86_64", "amazonlinux", "2", "x86_64")],
  ["rocky-9.4", identityArgs("5.14.0-427.13.1.el9_4.x86_64", "rocky", "9.4", "x86_64")],
  ["centos-9-64k", identityArgs("5.14.0-427.el9.aarch64+64k", "centos", "9", "aarch64")],
  ["ubuntu-18.04-eol", identityArgs("4.15.0-188-generic", "ubuntu", "18.04", "x86_64")],
  ["ubuntu-16.04-unsupported", identityArgs("4.4.0-210-generic", "ubuntu", "16.04", "x86_64")],
  ["oraclelinux-9-uek", identityArgs("5.15.0-105.125.6.2.el9uek.x86_64", "ol", "9", "x86_64")],
  ["oraclelinux-8-rhck", identityArgs("4.18.0-553.el8_10.x86_64", "oraclelinux", "8.10", "x86_64")],
  ["opensuse-15.6-default", identityArgs("6.4.0-150600.23.25-default", "opensuse-leap", "15.6", "x86_64")],
  ["sles-15-sp5-64kb", identityArgs("5.14.21-150500.55.52-64kb", "sles", "15-SP5", "aarch64")],
];

describe("kmodforge identity --json (golden)", () => {
  it.each(CASES)("%s", async (name, args) => {
    const run = await kmodforge(args);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const file = join(GOLDEN, `${name}.json`);
    // KMODFORGE_UPDATE_GOLDEN=1 rewrites the goldens after an intended change; review the diff.
    if (process.env.KMODFORGE_UPDATE_GOLDEN === "1") writeFileSync(file, run.stdout);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(readFileSync(file, "utf8")));
  });
});

describe("kmodforge identity errors", () => {
  it("exits 2 with the field, value and expectation on stderr, nothing on stdout", async () => {
    const run = await kmodforge(identityArgs("5.14.0-427.el9.x86_64", "centos", "8", "x86_64"));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/distroVersion: .*\.el9.*expected 9/);
  });

  it("rejects a hostile release before anything else sees it", async () => {
    const run = await kmodforge(identityArgs("6.1.0-18-amd64; rm -rf /", "debian", "12", "x86_64"));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("kernelRelease");
  });

  it("--module without --driver-version is invalid", async () => {
    const run = await kmodforge(
      identityArgs("6.1.0-18-amd64", "debian", "12", "x86_64", ["--module", "kmodtest"]),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--driver-version");
  });

  it("--targets reads another policy directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kmodforge-cli-targets-"));
    try {
      await writeFile(
        join(dir, "debian.yaml"),
        'distro: debian\nversions:\n  - version: "12"\n    arches: [aarch64]\n    builderImage: debian:bookworm\n    compiler: { defaultMajor: 12 }\n    headerSources: [{ kind: apt, suites: [bookworm] }]\n',
      );
      const run = await kmodforge(
        identityArgs("6.1.0-18-amd64", "debian", "12", "x86_64", ["--targets", dir]),
      );
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        supported: false,
        reason: expect.stringMatching(/x86_64 is not a target arch/),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
