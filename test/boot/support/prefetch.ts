// Fills $KMODFORGE_TEST_CACHE/boot with what the load tests download: kernel images, busybox builds and header
// trees (run by test/env/steps/40-boot.sh; everything is reused when already there).
import { fetchDebianKernelImage, fetchStaticBusybox } from "../../../src/adapters/debian-boot-assets.js";
import type { Arch } from "../../../src/core/arch.js";
import { BOOT_CACHE, debianHeaders } from "./build-module.js";
import { bookworm61Releases } from "./kernels.js";

async function prefetch(): Promise<void> {
  for (const arch of ["x86_64", "aarch64"] as Arch[]) {
    const releases = await bookworm61Releases(arch);
    await fetchStaticBusybox({ cacheDir: BOOT_CACHE, distroVersion: "12", arch });
    await fetchDebianKernelImage({
      cacheDir: BOOT_CACHE,
      distroVersion: "12",
      arch,
      kernelRelease: releases.newest,
    });
    await debianHeaders(releases.newest, "12", arch);
    if (arch === "x86_64") await debianHeaders(releases.oldest, "12", arch);
    process.stdout.write(
      `boot cache ready for ${arch}: ${releases.newest} (oldest ABI ${releases.oldest})\n`,
    );
  }
}

prefetch().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
