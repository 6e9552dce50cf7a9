/**
 * Regenerates test/fixtures/{koji,debian-snapshot,launchpad}: package stand-ins at their real archive paths and
 * API answers in the documented JSON shapes (snapshot.debian.org `/mr/`, Launchpad `getPublishedBinaries` and
 * `binaryFileUrls?include_meta=true`), with hashes computed from the stand-in bytes.
 * Run: npx tsx test/support/make-archive-fixtures.ts
 */
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const FIX = join(import.meta.dirname, "../fixtures");
const hash = (alg: string, b: Buffer) => createHash(alg).update(b).digest("hex");
const standIn = (file: string) => Buffer.from(`kmodforge fixture stand-in for ${file}\n`);

function write(path: string, data: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}
const json = (v: unknown) => `${JSON.stringify(v, null, 1)}\n`;

function koji(): void {
  const root = join(FIX, "koji");
  rmSync(root, { recursive: true, force: true });
  const files = [
    // Fedora Koji: top-level (unsigned) copy only.
    "fedora/packages/kernel/6.8.9/300.fc40/x86_64/kernel-devel-6.8.9-300.fc40.x86_64.rpm",
    // CentOS Stream Koji: unsigned and signed (key 8483c65d) copies.
    "stream/kojifiles/packages/kernel/5.14.0/427.el9/x86_64/kernel-devel-5.14.0-427.el9.x86_64.rpm",
    "stream/kojifiles/packages/kernel/5.14.0/427.el9/data/signed/8483c65d/x86_64/kernel-devel-5.14.0-427.el9.x86_64.rpm",
    "stream/kojifiles/packages/kernel/5.14.0/503.el9/aarch64/kernel-devel-5.14.0-503.el9.aarch64.rpm",
    // CBS (kmods SIG style).
    "cbs/kojifiles/packages/kernel/6.6.60/1.el9/x86_64/kernel-devel-6.6.60-1.el9.x86_64.rpm",
  ];
  for (const f of files) write(join(root, f), standIn(f.split("/").pop()!));
}

const SNAP = {
  name: "linux-headers-5.10.0-26-amd64",
  version: "5.10.197-1",
  common: "linux-headers-5.10.0-26-common",
};

function snapshot(): void {
  const root = join(FIX, "debian-snapshot");
  rmSync(root, { recursive: true, force: true });
  const entries: Array<[string, string, string]> = [
    [SNAP.name, "amd64", `${SNAP.name}_${SNAP.version}_amd64.deb`],
    [SNAP.common, "all", `${SNAP.common}_${SNAP.version}_all.deb`],
  ];
  for (const [name, arch, file] of entries) {
    const body = standIn(file);
    const sha1 = hash("sha1", body);
    write(join(root, "file", sha1), body);
    write(
      join(root, "mr/binary", name, "index.json"),
      json({
        _comment: "foo",
        binary: name,
        result: [
          { binary_version: SNAP.version, name, source: "linux", version: SNAP.version },
          { binary_version: "5.10.191-1", name, source: "linux", version: "5.10.191-1" },
        ],
      }),
    );
    write(
      join(root, "mr/binary", name, SNAP.version, "binfiles.json"),
      json({
        _comment: "foo",
        binary: name,
        binary_version: SNAP.version,
        result: [{ architecture: arch, hash: sha1 }],
        fileinfo: {
          [sha1]: [
            {
              archive_name: "debian",
              first_seen: "20231001T025002Z",
              name: file,
              path: "/pool/main/l/linux",
              size: body.length,
            },
          ],
        },
      }),
    );
  }
}

function launchpad(): void {
  const root = join(FIX, "launchpad");
  rmSync(root, { recursive: true, force: true });
  const api = "https://api.launchpad.net/1.0";
  const pubs = [
    {
      id: 730001,
      name: "linux-headers-5.15.0-91-generic",
      ver: "5.15.0-91.101",
      das: "jammy/amd64",
      specific: true,
    },
    {
      id: 730002,
      name: "linux-headers-5.15.0-91-generic",
      ver: "5.15.0-91.101",
      das: "jammy/arm64",
      specific: true,
    },
    {
      id: 730003,
      name: "linux-headers-5.15.0-91",
      ver: "5.15.0-91.101",
      das: "jammy/amd64",
      specific: false,
    },
  ];
  const byName = new Map<string, unknown[]>();
  for (const p of pubs) {
    const arch = p.specific ? p.das.split("/")[1]! : "all";
    const file = `${p.name}_${p.ver}_${arch}.deb`;
    const body = standIn(file);
    const librarian = `https://launchpad.net/ubuntu/+archive/primary/+files/${file}`;
    write(join(root, "files", file), body);
    write(
      join(root, "binarypub", `${p.id}.json`),
      json([{ url: librarian, size: body.length, sha1: hash("sha1", body), sha256: hash("sha256", body) }]),
    );
    const entry = {
      architecture_specific: p.specific,
      binary_package_name: p.name,
      binary_package_version: p.ver,
      build_link: `${api}/~canonical-kernel-team/+archive/ubuntu/ppa/+build/2700${p.id}`,
      component_name: "main",
      date_published: "2023-12-05T18:14:22.812451+00:00",
      display_name: `${p.name} ${p.ver} in ${p.das.replace("/", " ")}`,
      distro_arch_series_link: `${api}/ubuntu/${p.das}`,
      pocket: "Updates",
      priority_name: "OPTIONAL",
      resource_type_link: `${api}/#binary_package_publishing_history`,
      section_name: "devel",
      self_link: `${api}/ubuntu/+archive/primary/+binarypub/${p.id}`,
      status: "Superseded",
    };
    byName.set(p.name, [...(byName.get(p.name) ?? []), entry]);
  }
  for (const [name, entries] of byName) {
    write(
      join(root, "published", `${name}.json`),
      json({
        start: 0,
        total_size: entries.length,
        entries,
        resource_type_link: `${api}/#binary_package_publishing_history-page-resource`,
      }),
    );
  }
}

koji();
snapshot();
launchpad();
console.log("wrote koji, debian-snapshot and launchpad fixtures");
