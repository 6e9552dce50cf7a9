import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolveContext } from "../../src/core/headers/types.js";
import type { HeaderSource } from "../../src/core/targets.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";
import { runChain, traceSummary } from "../support/run-chain.js";
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
 * Chains of links against one fixture server: each link's miss hands the package to the next link, and the trace
 * records every link tried (runChain: links in order, each asked only for what is still missing).
 */

let server: FixtureServer;
let ctx: ResolveContext;
let u: string;
beforeAll(async () => {
  server = await startFixtureServer();
  serveTree(server, join(FIXTURES, "rpm-repo"), "/rpm");
  serveTree(server, join(FIXTURES, "koji"), "/koji");
  serveSnapshot(server);
  serveLaunchpad(server);
  server.route("/broken/repodata/repomd.xml", { fault: { kind: "status", status: 500 } });
  ctx = await context();
  u = server.url;
});
afterAll(() => server.close());

const summary = traceSummary;

describe("fallback chains", () => {
  it("Fedora: updates repo answers; with it failing, explicit URL 404 → Koji has it", async () => {
    const chain: HeaderSource[] = [
      {
        kind: "rpm-repo",
        baseurls: [`${u}/rpm/fedora/updates/$releasever/Everything/$basearch/`],
        mirrorlists: [],
      },
      { kind: "explicit-url", templates: [`${u}/archive/{name}-{version}-{release}.{arch}.rpm`] },
      { kind: "koji", hub: `${u}/koji/fedora`, signedKeys: [] },
    ];
    // The updates repository has 6.8.9; with it out of reach the same kernel comes from Koji.
    const req = request(identity("fedora", "40", "6.8.9-300.fc40.x86_64"), [develSpec()]);
    const direct = await runChain(chain, req, ctx);
    expect(summary(direct.trace)).toEqual(["rpm-repo found"]);
    const broken: HeaderSource[] = [
      {
        kind: "rpm-repo",
        baseurls: [`${u}/broken/`, `${u}/rpm/centos-stream/9-stream/AppStream/x86_64/os/`],
        mirrorlists: [],
      },
      ...chain.slice(1),
    ];
    const r = await runChain(broken, req, ctx);
    expect(summary(r.trace)).toEqual([
      "rpm-repo miss http-error",
      "rpm-repo miss not-found",
      "explicit-url miss not-found",
      "koji found",
    ]);
    expect(r.found[0]!.url).toBe(
      `${u}/koji/fedora/packages/kernel/6.8.9/300.fc40/x86_64/kernel-devel-6.8.9-300.fc40.x86_64.rpm`,
    );
    expect(r.pending).toEqual([]);
  });

  it("Rocky: current repo misses an el9_5 kernel → vault 9.5 has it, verified", async () => {
    const chain: HeaderSource[] = [
      { kind: "rpm-repo", baseurls: [`${u}/rpm/almalinux/9.4/AppStream/$basearch/os/`], mirrorlists: [] },
      {
        kind: "vault",
        baseurls: [`${u}/rpm/rocky/vault/rocky/$releasever/AppStream/$basearch/os/`],
        minors: [],
      },
    ];
    const r = await runChain(
      chain,
      request(identity("rocky", "9", "5.14.0-503.14.1.el9_5.x86_64"), [develSpec()], {
        requireVerified: true,
      }),
      ctx,
    );
    expect(summary(r.trace)).toEqual(["rpm-repo miss not-found", "vault found"]);
    expect(r.found[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("requireVerified: Koji is refused, so an unverifiable chain ends with the package pending", async () => {
    const chain: HeaderSource[] = [
      {
        kind: "explicit-url",
        templates: [
          `${u}/koji/fedora/packages/kernel/{version}/{release}/{arch}/{name}-{version}-{release}.{arch}.rpm`,
        ],
      },
      { kind: "koji", hub: `${u}/koji/fedora`, signedKeys: [] },
    ];
    const r = await runChain(
      chain,
      request(identity("fedora", "40", "6.8.9-300.fc40.x86_64"), [develSpec()], { requireVerified: true }),
      ctx,
    );
    expect(summary(r.trace)).toEqual([
      "explicit-url miss unverified-refused",
      "koji miss unverified-refused",
    ]);
    expect(r.found).toEqual([]);
    expect(r.pending.map((p) => p.name)).toEqual(["kernel-devel"]);
  });

  it("Debian: explicit pool URL 404 → snapshot has both packages", async () => {
    const chain: HeaderSource[] = [
      { kind: "explicit-url", templates: [`${u}/pool/main/l/linux/{name}_5.10.197-1_{debArch}.deb`] },
      { kind: "debian-snapshot", base: `${u}/snapshot` },
    ];
    const req = request(identity("debian", "11", "5.10.0-26-amd64"), [
      { name: "linux-headers-5.10.0-26-amd64", role: "headers", arch: "target" },
      { name: "linux-headers-5.10.0-26-common", role: "common", arch: "all" },
    ]);
    const r = await runChain(chain, req, ctx);
    expect(summary(r.trace)).toEqual([
      "explicit-url miss not-found",
      "explicit-url miss not-found",
      "debian-snapshot found",
      "debian-snapshot found",
    ]);
  });

  it("Ubuntu: snapshot does not know Ubuntu packages → Launchpad has them", async () => {
    const chain: HeaderSource[] = [
      { kind: "debian-snapshot", base: `${u}/snapshot` },
      { kind: "launchpad", api: `${u}/lp/1.0`, archive: "ubuntu" },
    ];
    const req = request(
      identity("ubuntu", "22.04", "5.15.0-91-generic"),
      [{ name: "linux-headers-5.15.0-91-generic", role: "headers", arch: "target" }],
      { codename: "jammy" },
    );
    const r = await runChain(chain, req, ctx);
    expect(summary(r.trace)).toEqual(["debian-snapshot miss not-found", "launchpad found"]);
  });
  it("Launchpad and vault misses move on too: Ubuntu to a user URL, Rocky el9_4 to Koji-style CBS", async () => {
    const ubuntu: HeaderSource[] = [
      { kind: "launchpad", api: `${u}/lp/1.0`, archive: "ubuntu" },
      { kind: "explicit-url", templates: [`${u}/lp/files/{name}_5.15.0-91.101_{arch}.deb`] },
    ];
    const req = request(
      identity("ubuntu", "24.04", "5.15.0-91-generic"),
      [{ name: "linux-headers-5.15.0-91-generic", role: "headers", arch: "target" }],
      { codename: "noble" },
    );
    expect(summary((await runChain(ubuntu, req, ctx)).trace)).toEqual([
      "launchpad miss not-found",
      "explicit-url found",
    ]);
    const rocky: HeaderSource[] = [
      {
        kind: "vault",
        baseurls: [`${u}/rpm/rocky/vault/rocky/$releasever/AppStream/$basearch/os/`],
        minors: [],
      },
      { kind: "koji", hub: `${u}/koji/cbs/kojifiles`, signedKeys: [] },
    ];
    const r = await runChain(
      rocky,
      request(identity("rocky", "9", "6.6.60-1.el9.x86_64"), [develSpec()]),
      ctx,
    );
    expect(summary(r.trace)).toEqual(["vault miss not-applicable", "koji found"]);
  });
});
