import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrivateApt } from "../../../src/adapters/private-apt.js";
import { runProcess } from "../../../src/adapters/run-process.js";
import { ARCH_FACTS, type Arch } from "../../../src/core/arch.js";
import { parseIdentity } from "../../../src/core/identity.js";

/**
 * Builds a module source directory against real Debian header packages, the plain way (download, `dpkg -x`,
 * fix the headers Makefile's absolute include, `make M=`): the load tests need a real module for a real kernel.
 */

export const BOOT_CACHE = join(process.env.KMODFORGE_TEST_CACHE ?? "/var/cache/kmodforge-test", "boot");

/** Header root for one kernel release, extracted once and reused. */
export async function debianHeaders(
  kernelRelease: string,
  distroVersion: string,
  arch: Arch,
): Promise<string> {
  const id = parseIdentity({ kernelRelease, distro: "debian", distroVersion, arch });
  if (!id.ok) throw id.error;
  const root = join(BOOT_CACHE, "headers", kernelRelease);
  const stamp = join(root, ".complete");
  if (existsSync(stamp)) return root;
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const downloads = await mkdtemp(join(BOOT_CACHE, "hdr-"));
  try {
    for (const spec of id.value.headerPackages) {
      // kbuild holds host programs (fixdep, modpost): it must be the build host's arch, not the target's.
      const apt = new PrivateApt(
        join(BOOT_CACHE, "apt"),
        distroVersion,
        spec.arch === "host" ? "x86_64" : arch,
      );
      const deb = await apt.download(spec.name, downloads);
      const x = await runProcess("dpkg", ["-x", deb.path, root], { timeoutMs: 300_000 });
      if (x.code !== 0) throw new Error(`dpkg -x ${deb.path}: ${x.stderr}`);
    }
    const makefile = join(root, "usr/src", `linux-headers-${kernelRelease}`, "Makefile");
    const text = await readFile(makefile, "utf8");
    await writeFile(
      makefile,
      text.replace(
        /^include \/usr\/src\/(.*)$/m,
        "include $(dir $(realpath $(lastword $(MAKEFILE_LIST))))../$1",
      ),
    );
    await writeFile(stamp, "");
    return root;
  } finally {
    await rm(downloads, { recursive: true, force: true });
  }
}

/** Compiles `sourceDir` for the kernel and returns the path of the built `.ko` (first one found). */
export async function buildModule(
  sourceDir: string,
  kernelRelease: string,
  distroVersion: string,
  arch: Arch,
  outDir: string,
): Promise<string> {
  const root = await debianHeaders(kernelRelease, distroVersion, arch);
  const work = await mkdtemp(join(tmpdir(), "kmodforge-mod-"));
  try {
    await cp(sourceDir, work, { recursive: true });
    const kdir = join(root, "usr/src", `linux-headers-${kernelRelease}`);
    const cross =
      arch === "x86_64"
        ? []
        : [`ARCH=${ARCH_FACTS[arch].kbuild}`, `CROSS_COMPILE=${ARCH_FACTS[arch].crossPrefix}`];
    const r = await runProcess("make", ["-C", kdir, `M=${work}`, ...cross, "modules"], {
      timeoutMs: 300_000,
    });
    if (r.code !== 0) throw new Error(`make failed (${r.code}):\n${(r.stdout + r.stderr).slice(-3000)}`);
    const ko = (await readdir(work)).filter((f) => f.endsWith(".ko"));
    if (ko.length === 0) throw new Error(`no .ko produced:\n${r.stdout.slice(-2000)}`);
    await mkdir(outDir, { recursive: true });
    const out = join(outDir, ko[0]!);
    await cp(join(work, ko[0]!), out);
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
