import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDebianSnapshotLink } from "../../src/adapters/sources/debian-snapshot.js";
import { createExplicitUrlLink } from "../../src/adapters/sources/explicit-url.js";
import { createKojiLink } from "../../src/adapters/sources/koji.js";
import { createLaunchpadLink } from "../../src/adapters/sources/launchpad.js";
import type { LinkLimits } from "../../src/adapters/sources/link-io.js";
import { createRpmRepoLink } from "../../src/adapters/sources/rpm-repo.js";
import type {
  LinkOutcome,
  MissReason,
  ResolveContext,
  ResolveRequest,
} from "../../src/core/headers/types.js";
import { type Fault, type FixtureServer, type Route, startFixtureServer } from "../support/fixture-server.js";
import {
  context,
  develSpec,
  FIXTURES,
  identity,
  request,
  serveLaunchpad,
  serveSnapshot,
  serveTree,
} from "../support/source-fixtures.js";

/**
 * Every link under injected faults: each fault yields its typed miss within the time limit, and nothing is offered
 * as found.
 */

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FAST: Partial<LinkLimits> = { timeoutMs: 400 };
const FEDORA = "fedora/updates/40/Everything/x86_64";
const fedoraPrimary = readdirSync(join(FIXTURES, "rpm-repo", FEDORA, "repodata")).find((f) =>
  f.includes("primary"),
)!;
const SNAP_NAME = "linux-headers-5.10.0-26-amd64";
const snapFile = createHash("sha1")
  .update(`kmodforge fixture stand-in for ${SNAP_NAME}_5.10.197-1_amd64.deb\n`)
  .digest("hex");

interface LinkCase {
  name: string;
  serve(s: FixtureServer): void;
  run(s: FixtureServer, ctx: ResolveContext, limits: Partial<LinkLimits>): Promise<LinkOutcome>;
  faults: Array<{
    what: string;
    path: string;
    route: Route;
    limits?: Partial<LinkLimits>;
    reason: MissReason;
  }>;
}

const fault = (f: Fault): Route => ({ fault: f });
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
  {
    name: "debian-snapshot",
    serve: (s) => serveSnapshot(s),
    run: (s, ctx, limits) =>
      createDebianSnapshotLink({ limits }).resolve(
        { kind: "debian-snapshot", base: `${s.url}/snapshot` },
        request(identity("debian", "11", "5.10.0-26-amd64"), [
          { name: SNAP_NAME, role: "headers", arch: "target" },
        ]),
        ctx,
      ),
    faults: [
      {
        what: "404 on the version list",
        path: `/snapshot/mr/binary/${SNAP_NAME}/`,
        route: fault({ kind: "status", status: 404 }),
        reason: "not-found",
      },
      {
        what: "500 on binfiles",
        path: `/snapshot/mr/binary/${SNAP_NAME}/5.10.197-1/binfiles`,
        route: fault({ kind: "status", status: 500 }),
        reason: "http-error",
      },
      {
        what: "reset on the file",
        path: `/snapshot/file/${snapFile}`,
        route: fault({ kind: "reset" }),
        reason: "unreachable",
      },
      {
        what: "hang on the version list",
        path: `/snapshot/mr/binary/${SNAP_NAME}/`,
        route: fault({ kind: "hang" }),
        reason: "timeout",
      },
      {
        what: "truncated file",
        path: `/snapshot/file/${snapFile}`,
        route: { body: Buffer.alloc(500, 7), fault: { kind: "truncate", keepBytes: 10 } },
        reason: "truncated",
      },
      {
        what: "file not matching its sha1 address",
        path: `/snapshot/file/${snapFile}`,
        route: { body: "other bytes" },
        reason: "checksum-mismatch",
      },
      {
        what: "file larger than allowed",
        path: "/unused",
        route: {},
        limits: { maxPackageBytes: 8 },
        reason: "too-large",
      },
      {
        what: "JSON of another shape",
        path: `/snapshot/mr/binary/${SNAP_NAME}/`,
        route: { body: '{"result": "nope"}' },
        reason: "malformed",
      },
    ],
  },
  {
    name: "launchpad",
    serve: (s) => serveLaunchpad(s),
    run: (s, ctx, limits) =>
      createLaunchpadLink({ limits }).resolve(
        { kind: "launchpad", api: `${s.url}/lp/1.0`, archive: "ubuntu" },
        request(
          identity("ubuntu", "22.04", "5.15.0-91-generic"),
          [{ name: "linux-headers-5.15.0-91-generic", role: "headers", arch: "target" }],
          { codename: "jammy" },
        ),
        ctx,
      ),
    faults: [
      {
        what: "500 on getPublishedBinaries",
        path: "/lp/1.0/ubuntu/+archive/primary",
        route: fault({ kind: "status", status: 500 }),
        reason: "http-error",
      },
      {
        what: "hang on getPublishedBinaries",
        path: "/lp/1.0/ubuntu/+archive/primary",
        route: fault({ kind: "hang" }),
        reason: "timeout",
      },
      {
        what: "reset on binaryFileUrls",
        path: "/lp/1.0/ubuntu/+archive/primary/+binarypub/730001",
        route: fault({ kind: "reset" }),
        reason: "unreachable",
      },
      {
        what: "truncated binaryFileUrls",
        path: "/lp/1.0/ubuntu/+archive/primary/+binarypub/730001",
        route: { body: "[".padEnd(300, " "), fault: { kind: "truncate", keepBytes: 5 } },
        reason: "truncated",
      },
      {
        what: "404 on binaryFileUrls",
        path: "/lp/1.0/ubuntu/+archive/primary/+binarypub/730001",
        route: fault({ kind: "status", status: 404 }),
        reason: "not-found",
      },
      {
        what: "JSON of another shape",
        path: "/lp/1.0/ubuntu/+archive/primary",
        route: { body: '{"entries": 3}' },
        reason: "malformed",
      },
    ],
  },
];

for (const c of CASES) {
  describe(`${c.name} under faults`, () => {
    for (const f of c.faults) {
      it(`${f.what} → ${f.reason}`, async () => {
        server = await startFixtureServer();
        c.serve(server);
        server.route(f.path, f.route);
        const started = Date.now();
        const out = await c.run(server, await context(), { ...FAST, ...f.limits });
        expect(Date.now() - started).toBeLessThan(5000);
        expect(out.found).toEqual([]);
        expect(out.misses.map((m) => m.reason)).toContain(f.reason);
      });
    }
  });
}
