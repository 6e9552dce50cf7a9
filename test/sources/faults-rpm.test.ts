import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createExplicitUrlLink } from "../../src/adapters/sources/explicit-url.js";
import { createKojiLink } from "../../src/adapters/sources/koji.js";
import { createRpmRepoLink } from "../../src/adapters/sources/rpm-repo.js";
import type { ResolveRequest } from "../../src/core/headers/types.js";
import { fault, type LinkCase, runFaultCases } from "../support/fault-table.js";
import { develSpec, FIXTURES, identity, request, serveTree } from "../support/source-fixtures.js";

/** rpm-repo, explicit-url and koji under injected faults: typed misses, no hang, nothing offered as found. */

const FEDORA = "fedora/updates/40/Everything/x86_64";
const fedoraPrimary = readdirSync(join(FIXTURES, "rpm-repo", FEDORA, "repodata")).find((f) =>
  f.includes("primary"),
)!;
const fedoraReq = (): ResolveRequest =>
  request(identity("fedora", "40", "6.8.9-300.fc40.x86_64"), [develSpec()]);

const CASES: LinkCase[] = [
  {
    name: "rpm-repo",
    serve: (s) => serveTree(s, join(FIXTURES, "rpm-repo"), "/rpm"),
    run: (s, ctx, limits) =>
      createRpmRepoLink({ limits }).resolve(
        { kind: "rpm-repo", baseurls: [`${s.url}/rpm/${FEDORA}/`], mirrorlists: [] },
        fedoraReq(),
        ctx,
      ),
    faults: [
      {
        what: "404 on repomd.xml",
        path: `/rpm/${FEDORA}/repodata/repomd.xml`,
        route: fault({ kind: "status", status: 404 }),
        reason: "not-found",
      },
      {
        what: "500 on repomd.xml",
        path: `/rpm/${FEDORA}/repodata/repomd.xml`,
        route: fault({ kind: "status", status: 500 }),
        reason: "http-error",
      },
      {
        what: "reset on the primary index",
        path: `/rpm/${FEDORA}/repodata/${fedoraPrimary}`,
        route: fault({ kind: "reset" }),
        reason: "unreachable",
      },
      {
        what: "hang on repomd.xml",
        path: `/rpm/${FEDORA}/repodata/repomd.xml`,
        route: fault({ kind: "hang" }),
        reason: "timeout",
      },
      {
        what: "truncated primary index",
        path: `/rpm/${FEDORA}/repodata/${fedoraPrimary}`,
        route: { body: Buffer.alloc(900, 1), fault: { kind: "truncate", keepBytes: 100 } },
        reason: "truncated",
      },
      {
        what: "primary index not matching repomd's checksum",
        path: `/rpm/${FEDORA}/repodata/${fedoraPrimary}`,
        route: { body: Buffer.from("(tampered)") },
        reason: "checksum-mismatch",
      },
      {
        what: "primary index larger than allowed",
        path: "/unused",
        route: {},
        limits: { maxIndexBytes: 64 },
        reason: "too-large",
      },
      {
        what: "primary index unpacking past the cap",
        path: "/unused",
        route: {},
        limits: { maxIndexUnpackedBytes: 256 },
        reason: "too-large",
      },
      {
        what: "repomd.xml that is not repomd",
        path: `/rpm/${FEDORA}/repodata/repomd.xml`,
        route: { body: "<html>captive portal</html>" },
        reason: "malformed",
      },
    ],
  },
  {
    name: "explicit-url",
    serve: (s) => serveTree(s, join(FIXTURES, "rpm-repo"), "/rpm"),
    run: (s, ctx, limits) =>
      createExplicitUrlLink({ limits }).resolve(
        {
          kind: "explicit-url",
          templates: [
            `${s.url}/rpm/${FEDORA}/Packages/k/{name}-{version}-{release}.{arch}.rpm#sha256=${"ab".repeat(32)}`,
          ],
        },
        fedoraReq(),
        ctx,
      ),
    faults: [
      {
        what: "404",
        path: `/rpm/${FEDORA}/Packages/k/kernel-devel-6.8.9-300.fc40.x86_64.rpm`,
        route: fault({ kind: "status", status: 404 }),
        reason: "not-found",
      },
      {
        what: "500",
        path: `/rpm/${FEDORA}/Packages/k/kernel-devel-6.8.9-300.fc40.x86_64.rpm`,
        route: fault({ kind: "status", status: 503 }),
        reason: "http-error",
      },
      {
        what: "reset",
        path: `/rpm/${FEDORA}/Packages/k/kernel-devel-6.8.9-300.fc40.x86_64.rpm`,
        route: fault({ kind: "reset" }),
        reason: "unreachable",
      },
      {
        what: "hang",
        path: `/rpm/${FEDORA}/Packages/k/kernel-devel-6.8.9-300.fc40.x86_64.rpm`,
        route: fault({ kind: "hang" }),
        reason: "timeout",
      },
      {
        what: "truncated",
        path: `/rpm/${FEDORA}/Packages/k/kernel-devel-6.8.9-300.fc40.x86_64.rpm`,
        route: { body: Buffer.alloc(500, 7), fault: { kind: "truncate", keepBytes: 10 } },
        reason: "truncated",
      },
      { what: "wrong checksum", path: "/unused", route: {}, reason: "checksum-mismatch" },
      {
        what: "file larger than allowed",
        path: "/unused",
        route: {},
        limits: { maxPackageBytes: 8 },
        reason: "too-large",
      },
    ],
  },
  {
    name: "koji",
    serve: (s) => serveTree(s, join(FIXTURES, "koji"), "/koji"),
    run: (s, ctx, limits) =>
      createKojiLink({ limits }).resolve(
        { kind: "koji", hub: `${s.url}/koji/fedora`, signedKeys: [] },
        fedoraReq(),
        ctx,
      ),
    faults: [
      {
        what: "404",
        path: "/koji/fedora/packages/kernel/6.8.9/300.fc40/x86_64/kernel-devel-6.8.9-300.fc40.x86_64.rpm",
        route: fault({ kind: "status", status: 404 }),
        reason: "not-found",
      },
      {
        what: "500",
        path: "/koji/fedora/packages/kernel/6.8.9/300.fc40/x86_64/kernel-devel-6.8.9-300.fc40.x86_64.rpm",
        route: fault({ kind: "status", status: 500 }),
        reason: "http-error",
      },
      {
        what: "reset",
        path: "/koji/fedora/packages/kernel/6.8.9/300.fc40/x86_64/kernel-devel-6.8.9-300.fc40.x86_64.rpm",
        route: fault({ kind: "reset" }),
        reason: "unreachable",
      },
      {
        what: "hang",
        path: "/koji/fedora/packages/kernel/6.8.9/300.fc40/x86_64/kernel-devel-6.8.9-300.fc40.x86_64.rpm",
        route: fault({ kind: "hang" }),
        reason: "timeout",
      },
      {
        what: "truncated",
        path: "/koji/fedora/packages/kernel/6.8.9/300.fc40/x86_64/kernel-devel-6.8.9-300.fc40.x86_64.rpm",
        route: { body: Buffer.alloc(500, 7), fault: { kind: "truncate", keepBytes: 10 } },
        reason: "truncated",
      },
      {
        what: "file larger than allowed",
        path: "/unused",
        route: {},
        limits: { maxPackageBytes: 8 },
        reason: "too-large",
      },
    ],
  },
];

runFaultCases(CASES);
