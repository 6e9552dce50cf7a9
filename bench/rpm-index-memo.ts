/**
 * Resolving many kernels against one warm RPM metadata memo versus fetching and scanning the index per kernel.
 * A synthetic repository in the real createrepo layout (N packages, 200 of them kernel-devel builds) is served on
 * loopback; both approaches resolve the same 200 kernels. Prints time per kernel, bytes downloaded, and ratios.
 * Run: npx tsx bench/rpm-index-memo.ts [packages=20000]
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createRpmRepoLink } from "../src/adapters/sources/rpm-repo.js";
import type { HttpClient, ResolveContext, ResolveRequest } from "../src/core/headers/types.js";
import { startFixtureServer } from "../test/support/fixture-server.js";
import { identity, request } from "../test/support/source-fixtures.js";
import { sourcesHttpClient } from "../test/support/sources-http.js";

const TOTAL = Number(process.argv[2] ?? 20000);
const KERNELS = 200;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

function pkg(name: string, ver: string, rel: string): string {
  return `<package type="rpm"><name>${name}</name><arch>x86_64</arch><version epoch="0" ver="${ver}" rel="${rel}"/><checksum type="sha256" pkgid="YES">${sha(name + ver + rel)}</checksum><summary>s</summary><description>d</description><packager>p</packager><size package="1000" installed="3000" archive="3100"/><location href="Packages/${name[0]}/${name}-${ver}-${rel}.x86_64.rpm"/><format><rpm:license>GPL</rpm:license><rpm:provides><rpm:entry name="${name}" flags="EQ" epoch="0" ver="${ver}" rel="${rel}"/></rpm:provides></format></package>\n`;
}

const kernels = Array.from({ length: KERNELS }, (_, i) => ({ ver: "5.14.0", rel: `${100 + i}.el9` }));
let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${TOTAL}">\n`;
for (const k of kernels) xml += pkg("kernel-devel", k.ver, k.rel);
for (let i = kernels.length; i < TOTAL; i++) xml += pkg(`lib-${i}`, "1.0", "1.el9");
xml += "</metadata>\n";
const primary = gzipSync(Buffer.from(xml));
const repomd = `<repomd><data type="primary"><checksum type="sha256">${sha(primary)}</checksum><location href="repodata/primary.xml.gz"/><size>${primary.length}</size><open-size>${xml.length}</open-size></data></repomd>`;

const server = await startFixtureServer({
  "/repo/repodata/repomd.xml": { body: repomd },
  "/repo/repodata/primary.xml.gz": { body: primary },
});

const inner = await sourcesHttpClient();
let bytes = 0;
const counting: HttpClient = {
  get: async (url, o) => {
    const r = await inner.get(url, o);
    bytes += r.body.length;
    return r;
  },
};
const ctx: ResolveContext = { http: counting, hostAptMirrors: [] };
const link = { kind: "rpm-repo" as const, baseurls: [`${server.url}/repo/`], mirrorlists: [] };
const req = (k: { ver: string; rel: string }): ResolveRequest =>
  request(identity("centos", "9", `${k.ver}-${k.rel}.x86_64`), [
    { name: "kernel-devel", role: "headers", arch: "target" },
  ]);

async function run(label: string, linkFor: () => ReturnType<typeof createRpmRepoLink>) {
  bytes = 0;
  const started = performance.now();
  let found = 0;
  for (const k of kernels) found += (await linkFor().resolve(link, req(k), ctx)).found.length;
  const ms = performance.now() - started;
  console.log(
    `${label.padEnd(28)} ${(ms / KERNELS).toFixed(2).padStart(8)} ms/kernel  ${(bytes / 1024 / 1024).toFixed(1).padStart(8)} MiB  found ${found}/${KERNELS}`,
  );
  return { ms, bytes };
}

console.log(
  `repository: ${TOTAL} packages, primary.xml.gz ${(primary.length / 1024).toFixed(0)} KiB (${(xml.length / 1024 / 1024).toFixed(1)} MiB unpacked)`,
);
const shared = createRpmRepoLink();
const naive = await run("naive (index per kernel)", () => createRpmRepoLink());
const warm = await run("one warm memo", () => shared);
console.log(
  `ratio naive/warm: time ${(naive.ms / warm.ms).toFixed(1)}x, bytes ${(naive.bytes / warm.bytes).toFixed(1)}x`,
);
await server.close();
