import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { parseIdentity } from "../../src/core/identity.js";
import { runVerifyChecks } from "../../src/core/verify/gate.js";
import { defaultModuleDir, script } from "../../src/executors/build-scripts.js";
import { prepareHeaders } from "../../src/executors/prepare-headers.js";
import { buildRpm, flattenDebianTree } from "./rpm-packages.js";
import { BUILD_CACHE, newestRelease } from "./support.js";

/**
 * The .rpm path of the build scripts, end to end: a real kernel tree (Debian's, flattened the way RPM kernel-devel
 * packages lay it out under /usr/src/kernels/<release>) packed with rpmbuild, extracted by extract-headers.sh with
 * rpm2cpio + cpio, and built against by compile-module.sh.
 */
describe("kernel-devel style .rpm", () => {
  it("extracts into usr/src/kernels/<release> and builds a module that passes the gate", async () => {
    const kernel = await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
    const id = parseIdentity({
      kernelRelease: kernel,
      distro: "debian",
      distroVersion: "12",
      arch: "x86_64",
    });
    if (!id.ok) throw id.error;
    const { tree } = await prepareHeaders(id.value, { cacheDir: BUILD_CACHE, hostArch: "x86_64" });
    const work = mkdtempSync(join(tmpdir(), "kmodforge-rpm-"));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));

    // Flatten: common headers, then the arch tree over them, with the real top-level Makefile.
    const flat = join(work, "flat");
    flattenDebianTree(tree, flat);
    const rpm = buildRpm(work, {
      name: "kernel-devel",
      version: "6.1.0",
      release: "1",
      arch: "x86_64",
      trees: [{ from: flat, to: `/usr/src/kernels/${kernel}` }],
    });

    const root = join(work, "root");
    execFileSync("sh", [script("extract-headers.sh"), root, rpm], { stdio: "pipe" });
    const buildDir = join(root, "usr/src/kernels", kernel);
    expect(existsSync(join(buildDir, "include/config/auto.conf"))).toBe(true);

    const out = join(work, "out");
    execFileSync("sh", [script("compile-module.sh"), buildDir, defaultModuleDir(), out, "x86_64"], {
      stdio: "pipe",
    });
    const ko = readFileSync(join(out, "modules", "kmodforge_sample.ko"));
    const checks = runVerifyChecks({
      module: ko,
      kernelRelease: kernel,
      arch: "x86_64",
      kernelConfig: readFileSync(join(buildDir, "include/config/auto.conf"), "utf8"),
      symvers: readFileSync(join(buildDir, "Module.symvers"), "utf8"),
    });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  }, 300_000);
});
