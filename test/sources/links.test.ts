import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDebianSnapshotLink } from "../../src/adapters/sources/debian-snapshot.js";
import { createExplicitUrlLink } from "../../src/adapters/sources/explicit-url.js";
import { createKojiLink } from "../../src/adapters/sources/koji.js";
import { createLaunchpadLink } from "../../src/adapters/sources/launchpad.js";
import { explicitUrlLinkFromInputs } from "../../src/core/headers/explicit-url.js";
import type { ResolveContext } from "../../src/core/headers/types.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";
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

let server: FixtureServer;
let ctx: ResolveContext;
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const standIn = (file: string) => `kmodforge fixture stand-in for ${file}\n`;

beforeAll(async () => {
  server = await startFixtureServer();
  serveTree(server, join(FIXTURES, "koji"), "/koji");
  serveTree(server, join(FIXTURES, "rpm-repo"), "/rpm");
  serveSnapshot(server);
  serveLaunchpad(server);
  ctx = await context();
});
afterAll(() => server.close());

const debianHeaders = [
  { name: "linux-headers-5.10.0-26-amd64", role: "headers" as const, arch: "target" as const },
  { name: "linux-headers-5.10.0-26-common", role: "common" as const, arch: "all" as const },
];

describe("koji", () => {
  const stream = () => ({
    kind: "koji" as const,
    hub: `${server.url}/koji/stream/kojifiles`,
    signedKeys: ["8483c65d"],
  });

  it("plans signed copies first, then the top-level file", () => {
    const req = request(identity("centos", "9", "5.14.0-427.el9.x86_64"), [develSpec()]);
    expect(
      createKojiLink()
        .plan(stream(), req, { hostAptMirrors: [] })
        .map((p) => p.url),
    ).toEqual([
      `${server.url}/koji/stream/kojifiles/packages/kernel/5.14.0/427.el9/data/signed/8483c65d/x86_64/kernel-devel-5.14.0-427.el9.x86_64.rpm`,
      `${server.url}/koji/stream/kojifiles/packages/kernel/5.14.0/427.el9/x86_64/kernel-devel-5.14.0-427.el9.x86_64.rpm`,
    ]);
  });

  it("takes the signed CentOS Stream copy, unverified (Koji publishes no checksum)", async () => {
    const req = request(identity("centos", "9", "5.14.0-427.el9.x86_64"), [develSpec()]);
    const out = await createKojiLink().resolve(stream(), req, ctx);
    expect(out.found).toEqual([
      expect.objectContaining({
        url: expect.stringContaining("/data/signed/8483c65d/x86_64/kernel-devel-5.14.0-427.el9.x86_64.rpm"),
        source: `koji:127.0.0.1:${server.port}:signed/8483c65d`,
        version: "5.14.0-427.el9",
      }),
    ]);
    expect(out.found[0]!.sha256).toBeUndefined();
  });

  it("falls back to the unsigned file when no signed copy exists (aarch64, Fedora and CBS hubs)", async () => {
    const aarch = await createKojiLink().resolve(
      stream(),
      request(identity("centos", "9", "5.14.0-503.el9.aarch64", "aarch64"), [develSpec()]),
      ctx,
    );
    expect(aarch.found[0]?.url).toContain(
      "/packages/kernel/5.14.0/503.el9/aarch64/kernel-devel-5.14.0-503.el9.aarch64.rpm",
    );
    expect(aarch.misses.map((m) => m.reason)).toEqual(["not-found"]);
    const fedora = await createKojiLink().resolve(
      { kind: "koji", hub: `${server.url}/koji/fedora`, signedKeys: [] },
      request(identity("fedora", "40", "6.8.9-300.fc40.x86_64"), [develSpec()]),
      ctx,
    );
    expect(fedora.found[0]?.url).toBe(
      `${server.url}/koji/fedora/packages/kernel/6.8.9/300.fc40/x86_64/kernel-devel-6.8.9-300.fc40.x86_64.rpm`,
    );
    const cbs = await createKojiLink().resolve(
      { kind: "koji", hub: `${server.url}/koji/cbs/kojifiles`, signedKeys: [] },
      request(identity("centos", "9", "6.6.60-1.el9.x86_64"), [develSpec()]),
      ctx,
    );
    expect(cbs.found).toHaveLength(1);
  });

  it("refuses under requireVerified without fetching", async () => {
    const before = server.requests.length;
    const req = request(identity("centos", "9", "5.14.0-427.el9.x86_64"), [develSpec()], {
      requireVerified: true,
    });
    const out = await createKojiLink().resolve(stream(), req, ctx);
    expect(out.found).toEqual([]);
    expect(out.misses.map((m) => m.reason)).toEqual(["unverified-refused"]);
    expect(server.requests.length).toBe(before);
  });
});

describe("explicit-url", () => {
  const almaFile = "kernel-devel-5.14.0-427.13.1.el9_4.x86_64.rpm";
  const template = () =>
    `${server.url}/rpm/almalinux/9.4/AppStream/{arch}/os/Packages/k/{name}-{version}-{release}.{arch}.rpm`;

  it("expands a per-distro template and marks it unverified when no checksum is known", async () => {
    const req = request(identity("almalinux", "9", "5.14.0-427.13.1.el9_4.x86_64"), [develSpec()]);
    const out = await createExplicitUrlLink().resolve(
      { kind: "explicit-url", templates: [template()] },
      req,
      ctx,
    );
    expect(out.found).toEqual([
      expect.objectContaining({
        url: `${server.url}/rpm/almalinux/9.4/AppStream/x86_64/os/Packages/k/${almaFile}`,
        version: "5.14.0-427.13.1.el9_4",
        packageArch: "x86_64",
      }),
    ]);
    expect(out.found[0]!.sha256).toBeUndefined();
  });

  it("verifies a URL carrying #sha256= and refuses unverified ones under requireVerified", async () => {
    const good = `${template()}#sha256=${sha256(standIn(almaFile))}`;
    const req = request(identity("almalinux", "9", "5.14.0-427.13.1.el9_4.x86_64"), [develSpec()], {
      requireVerified: true,
    });
    const out = await createExplicitUrlLink().resolve(
      { kind: "explicit-url", templates: [template(), good] },
      req,
      ctx,
    );
    expect(out.misses.map((m) => m.reason)).toEqual(["unverified-refused"]);
    expect(out.found[0]?.sha256).toBe(sha256(standIn(almaFile)));
    const bad = `${template()}#sha256=${"0".repeat(64)}`;
    const wrong = await createExplicitUrlLink().resolve({ kind: "explicit-url", templates: [bad] }, req, ctx);
    expect(wrong.found).toEqual([]);
    expect(wrong.misses).toEqual([
      expect.objectContaining({
        reason: "checksum-mismatch",
        detail: expect.stringContaining("0".repeat(64)),
      }),
    ]);
  });
});

describe("user-supplied --header-url", () => {
  it("becomes a verified explicit-url link when it carries #sha256=", async () => {
    const file = "kernel-devel-6.8.9-300.fc40.x86_64.rpm";
    const url = `${server.url}/rpm/fedora/updates/40/Everything/x86_64/Packages/k/${file}`;
    const link = explicitUrlLinkFromInputs([`${url}#sha256=${sha256(standIn(file))}`]);
    const req = request(identity("fedora", "40", "6.8.9-300.fc40.x86_64"), [develSpec()], {
      requireVerified: true,
    });
    const out = await createExplicitUrlLink().resolve(link, req, ctx);
    expect(out.found).toEqual([
      expect.objectContaining({ url, sha256: sha256(standIn(file)), version: "6.8.9-300.fc40" }),
    ]);
  });
});

describe("debian-snapshot", () => {
  const link = () => ({ kind: "debian-snapshot" as const, base: `${server.url}/snapshot` });
  const req = () => request(identity("debian", "11", "5.10.0-26-amd64"), debianHeaders);

  it("plans the mr API calls", () => {
    const pinned = request(identity("debian", "11", "5.10.0-26-amd64"), [
      { ...debianHeaders[0]!, version: "5.10.197-1" },
    ]);
    expect(
      createDebianSnapshotLink()
        .plan(link(), pinned, { hostAptMirrors: [] })
        .map((p) => p.url),
    ).toEqual([
      `${server.url}/snapshot/mr/binary/linux-headers-5.10.0-26-amd64/`,
      `${server.url}/snapshot/mr/binary/linux-headers-5.10.0-26-amd64/5.10.197-1/binfiles?fileinfo=1`,
    ]);
  });

  it("finds the arch and arch-all packages by version → binfiles → /file/<sha1>, sha1-checked", async () => {
    const out = await createDebianSnapshotLink().resolve(link(), req(), ctx);
    expect(out.misses).toEqual([]);
    expect(out.found.map((f) => [f.name, f.version, f.packageArch])).toEqual([
      ["linux-headers-5.10.0-26-amd64", "5.10.197-1", "amd64"],
      ["linux-headers-5.10.0-26-common", "5.10.197-1", "all"],
    ]);
    expect(out.found[0]!.sha256).toBe(sha256(standIn("linux-headers-5.10.0-26-amd64_5.10.197-1_amd64.deb")));
    expect(out.found[0]!.url).toMatch(/\/snapshot\/file\/[0-9a-f]{40}$/);
  });

  it("a version snapshot never saw is not-found", async () => {
    const r = request(identity("debian", "11", "5.10.0-26-amd64"), [
      { ...debianHeaders[0]!, version: "5.10.999-1" },
    ]);
    const out = await createDebianSnapshotLink().resolve(link(), r, ctx);
    expect(out.misses.map((m) => m.reason)).toEqual(["not-found"]);
  });
});

describe("launchpad", () => {
  const link = () => ({ kind: "launchpad" as const, api: `${server.url}/lp/1.0`, archive: "ubuntu" });
  const ubuntu = [
    { name: "linux-headers-5.15.0-91-generic", role: "headers" as const, arch: "target" as const },
    { name: "linux-headers-5.15.0-91", role: "common" as const, arch: "all" as const },
  ];

  it("plans getPublishedBinaries with exact_match", () => {
    const req = request(identity("ubuntu", "22.04", "5.15.0-91-generic"), ubuntu, { codename: "jammy" });
    expect(createLaunchpadLink().plan(link(), req, { hostAptMirrors: [] })[0]!.url).toBe(
      `${server.url}/lp/1.0/ubuntu/+archive/primary?ws.op=getPublishedBinaries&binary_name=linux-headers-5.15.0-91-generic&exact_match=true`,
    );
  });

  for (const arch of ["x86_64", "aarch64"] as const) {
    it(`finds the ${arch} headers and the arch-all package with Launchpad's sha256`, async () => {
      const req = request(identity("ubuntu", "22.04", "5.15.0-91-generic", arch), ubuntu, {
        codename: "jammy",
      });
      const out = await createLaunchpadLink().resolve(link(), req, ctx);
      expect(out.misses).toEqual([]);
      const deb = arch === "x86_64" ? "amd64" : "arm64";
      const file = `linux-headers-5.15.0-91-generic_5.15.0-91.101_${deb}.deb`;
      expect(out.found[0]).toEqual(
        expect.objectContaining({
          url: `${server.url}/lp/files/${file}`,
          sha256: sha256(standIn(file)),
          version: "5.15.0-91.101",
        }),
      );
      expect(out.found[1]!.url).toBe(`${server.url}/lp/files/linux-headers-5.15.0-91_5.15.0-91.101_all.deb`);
      const res = await ctx.http.get(out.found[0]!.url);
      expect(sha256(res.body)).toBe(out.found[0]!.sha256);
    });
  }

  it("another series is not-found", async () => {
    const req = request(identity("ubuntu", "24.04", "5.15.0-91-generic"), ubuntu.slice(0, 1), {
      codename: "noble",
    });
    const out = await createLaunchpadLink().resolve(link(), req, ctx);
    expect(out.misses.map((m) => m.reason)).toEqual(["not-found"]);
  });
});
