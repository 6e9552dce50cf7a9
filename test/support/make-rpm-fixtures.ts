/**
 * Regenerates test/fixtures/rpm-repo: small repositories in the real createrepo layout (repomd.xml naming a
 * checksummed primary index, Packages/, Amazon Linux mirror.list files, Oracle's getPackage/ locations, SUSE's
 * one-tree-for-every-arch x86_64/ aarch64/ noarch/) holding a few real kernel NVRAs. Package files are tiny
 * stand-in payloads whose sha256 and size are what the primary index records, so hash checks in the tests are real;
 * tests that build pass real RPMs as payloads (`writeRepo`). Oracle's and SUSE's repositories are written with
 * attributes in another order than createrepo's (`style: "reordered"`): a reader must not depend on the order.
 * Run: npx tsx test/support/make-rpm-fixtures.ts
 */

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = join(import.meta.dirname, "../fixtures/rpm-repo");

export interface Pkg {
  name: string;
  ver: string;
  rel: string;
  arch: string;
  /** Location relative to the repository root; default Packages/<first letter>/<file>. */
  href?: string;
  srpm?: string;
  /** The file's content (a real RPM); default a stand-in. */
  payload?: Buffer;
}

export interface Repo {
  dir: string;
  compression: "gz" | "zst" | "bz2" | "xz";
  /** `sqlite`: publish only primary_db (primary.sqlite), as yum-era repositories may. */
  form?: "xml" | "sqlite";
  /** `reordered`: every attribute in another order than createrepo writes it, single-quoted. */
  style?: "createrepo" | "reordered";
  packages: Pkg[];
  vendor: string;
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const file = (p: Pkg) => `${p.name}-${p.ver}-${p.rel}.${p.arch}.rpm`;
export const payloadFor = (p: Pkg) => p.payload ?? Buffer.from(`kmodforge fixture stand-in for ${file(p)}\n`);

function write(path: string, data: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** XML character data: `SUSE LLC <https://www.suse.com/>` is written `SUSE LLC &lt;https://www.suse.com/&gt;`. */
const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function packageXml(p: Pkg, vendor: string, checksum: string, size: number, href: string): string {
  return `<package type="rpm">
  <name>${p.name}</name>
  <arch>${p.arch}</arch>
  <version epoch="0" ver="${p.ver}" rel="${p.rel}"/>
  <checksum type="sha256" pkgid="YES">${checksum}</checksum>
  <summary>Development package for building kernel modules to match the kernel</summary>
  <description>This package provides kernel headers and makefiles sufficient to build modules
against the kernel package.</description>
  <packager>${esc(vendor)}</packager>
  <url>https://www.kernel.org/</url>
  <time file="1715000000" build="1714900000"/>
  <size package="${size}" installed="${size * 3}" archive="${size * 3 + 1024}"/>
  <location href="${href}"/>
  <format>
    <rpm:license>GPL-2.0-only</rpm:license>
    <rpm:vendor>${esc(vendor)}</rpm:vendor>
    <rpm:group>Unspecified</rpm:group>
    <rpm:buildhost>build.example</rpm:buildhost>
    <rpm:sourcerpm>${p.srpm ?? `kernel-${p.ver}-${p.rel}.src.rpm`}</rpm:sourcerpm>
    <rpm:header-range start="4504" end="1022517"/>
    <rpm:provides>
      <rpm:entry name="${p.name}" flags="EQ" epoch="0" ver="${p.ver}" rel="${p.rel}"/>
      <rpm:entry name="${p.name}(${p.arch === "aarch64" ? "aarch-64" : "x86-64"})" flags="EQ" epoch="0" ver="${p.ver}" rel="${p.rel}"/>
    </rpm:provides>
  </format>
</package>
`;
}

/** The same element with its children and attributes in other orders, single-quoted, as some generators write. */
function reorderedPackageXml(p: Pkg, vendor: string, checksum: string, size: number, href: string): string {
  return `<package type='rpm'>
  <arch>${p.arch}</arch>
  <name>${p.name}</name>
  <location href='${href}'/>
  <size archive='${size * 3 + 1024}' installed='${size * 3}' package='${size}'/>
  <version rel='${p.rel}' ver='${p.ver}' epoch='0'/>
  <checksum pkgid='YES' type='sha256'>${checksum}</checksum>
  <summary>Development files necessary for building kernel modules</summary>
  <description>This package contains files necessary for building kernel modules (and kernel module packages)
against the kernel.</description>
  <packager>${esc(vendor)}</packager>
  <time build='1714900000' file='1715000000'/>
  <format>
    <rpm:sourcerpm>${p.srpm ?? `kernel-${p.ver}-${p.rel}.src.rpm`}</rpm:sourcerpm>
    <rpm:provides>
      <rpm:entry ver='${p.ver}' rel='${p.rel}' epoch='0' flags='EQ' name='${p.name}'/>
    </rpm:provides>
  </format>
</package>
`;
}

function repomdXml(repo: Repo, type: string, packed: Buffer, open: Buffer, name: string): string {
  const filelists = sha256("filelists not kept in this slice");
  if (repo.style === "reordered")
    return `<?xml version='1.0' encoding='UTF-8'?>
<repomd xmlns:rpm='http://linux.duke.edu/metadata/rpm' xmlns='http://linux.duke.edu/metadata/repo'>
  <revision>1715100000</revision>
  <tags>
    <repo>kmodforge-fixture</repo>
  </tags>
  <data type='${type}'>
    <location href='${name}'/>
    <open-size>${open.length}</open-size>
    <size>${packed.length}</size>
    <timestamp>1715100000</timestamp>
    <open-checksum type='sha256'>${sha256(open)}</open-checksum>
    <checksum type='sha256'>${sha256(packed)}</checksum>
  </data>
  <data type='filelists'>
    <location href='repodata/${filelists}-filelists.xml.${repo.compression}'/>
    <checksum type='sha256'>${filelists}</checksum>
  </data>
</repomd>
`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1715100000</revision>
  <data type="${type}">
    <checksum type="sha256">${sha256(packed)}</checksum>
    <open-checksum type="sha256">${sha256(open)}</open-checksum>
    <location href="${name}"/>
    <timestamp>1715100000</timestamp>
    <size>${packed.length}</size>
    <open-size>${open.length}</open-size>
  </data>
  <data type="filelists">
    <checksum type="sha256">${filelists}</checksum>
    <open-checksum type="sha256">${sha256("filelists open")}</open-checksum>
    <location href="repodata/${filelists}-filelists.xml.${repo.compression}"/>
    <timestamp>1715100000</timestamp>
    <size>102488</size>
    <open-size>1482311</open-size>
  </data>
</repomd>
`;
}

const COMPRESSORS = { zst: ["zstd", "-q", "-19", "-c"], bz2: ["bzip2", "-9", "-c"], xz: ["xz", "-9", "-c"] };

function compress(data: Buffer, how: Repo["compression"]): Buffer {
  if (how === "gz") return gzipSync(data, { level: 9 });
  const [tool, ...args] = COMPRESSORS[how];
  const r = spawnSync(tool!, args, { input: data });
  if (r.status !== 0) throw new Error(`${how} failed: ${r.stderr}`);
  return r.stdout;
}

const sq = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** A createrepo-schema primary.sqlite holding the packages (the columns yum and dnf read). */
function primaryDb(rows: Array<{ p: Pkg; checksum: string; size: number; href: string }>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "primary-db-"));
  const file = join(dir, "primary.sqlite");
  const sql = [
    "CREATE TABLE db_info (dbversion INTEGER, checksum TEXT);",
    "INSERT INTO db_info VALUES (10, 'fixture');",
    "CREATE TABLE packages (pkgKey INTEGER PRIMARY KEY, pkgId TEXT, name TEXT, arch TEXT, version TEXT, epoch TEXT, release TEXT, summary TEXT, description TEXT, url TEXT, time_file INTEGER, time_build INTEGER, rpm_license TEXT, rpm_vendor TEXT, rpm_group TEXT, rpm_buildhost TEXT, rpm_sourcerpm TEXT, rpm_header_start INTEGER, rpm_header_end INTEGER, rpm_packager TEXT, size_package INTEGER, size_installed INTEGER, size_archive INTEGER, location_href TEXT, location_base TEXT, checksum_type TEXT);",
    ...rows.map(
      ({ p, checksum, size, href }) =>
        `INSERT INTO packages (pkgId, name, arch, version, epoch, release, summary, rpm_sourcerpm, size_package, location_href, location_base, checksum_type) VALUES (${sq(checksum)}, ${sq(p.name)}, ${sq(p.arch)}, ${sq(p.ver)}, '0', ${sq(p.rel)}, 'fixture', ${sq(p.srpm ?? `kernel-${p.ver}-${p.rel}.src.rpm`)}, ${size}, ${sq(href)}, NULL, 'sha256');`,
    ),
  ].join("\n");
  const r = spawnSync("sqlite3", [file], { input: sql });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  const db = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  return db;
}

/** Writes one repository (package files, primary index, repomd.xml) under `root`. */
export function writeRepo(repo: Repo, root = ROOT): void {
  const base = join(root, repo.dir);
  const element = repo.style === "reordered" ? reorderedPackageXml : packageXml;
  let xml = `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${repo.packages.length}">
`;
  const rows: Array<{ p: Pkg; checksum: string; size: number; href: string }> = [];
  for (const p of repo.packages) {
    const payload = payloadFor(p);
    const href = p.href ?? `Packages/${p.name[0]}/${file(p)}`;
    // Locations that climb out of the repository (Amazon Linux blob store) are written beside it.
    write(join(base, href), payload);
    xml += element(p, repo.vendor, sha256(payload), payload.length, href);
    rows.push({ p, checksum: sha256(payload), size: payload.length, href });
  }
  xml += "</metadata>\n";
  const sqlite = repo.form === "sqlite";
  const open = sqlite ? primaryDb(rows) : Buffer.from(xml);
  const packed = compress(open, repo.compression);
  const primaryName = `repodata/${sha256(packed)}-primary.${sqlite ? "sqlite" : "xml"}.${repo.compression}`;
  write(join(base, primaryName), packed);
  write(
    join(base, "repodata/repomd.xml"),
    repomdXml(repo, sqlite ? "primary_db" : "primary", packed, open, primaryName),
  );
}

const AL2_BLOB = "../../../../../blobstore/8b1e6a0ad9f3f0b33e9ac4fd3c4b0bbd8a3f52c1bb53b7ed4b1b2d3c0e5f6a7b";
export const REPOS: Repo[] = [
  {
    dir: "fedora/updates/40/Everything/x86_64",
    compression: "zst",
    vendor: "Fedora Project",
    packages: [
      { name: "kernel-devel", ver: "6.8.9", rel: "300.fc40", arch: "x86_64" },
      { name: "kernel-devel", ver: "6.8.10", rel: "300.fc40", arch: "x86_64" },
      { name: "kernel-headers", ver: "6.8.9", rel: "300.fc40", arch: "x86_64" },
    ],
  },
  {
    dir: "centos-stream/9-stream/AppStream/x86_64/os",
    compression: "gz",
    vendor: "CentOS",
    packages: [
      { name: "kernel-devel", ver: "5.14.0", rel: "427.el9", arch: "x86_64" },
      { name: "kernel-rt-devel", ver: "5.14.0", rel: "427.el9", arch: "x86_64" },
    ],
  },
  {
    dir: "almalinux/9.4/AppStream/x86_64/os",
    compression: "gz",
    vendor: "AlmaLinux",
    packages: [{ name: "kernel-devel", ver: "5.14.0", rel: "427.13.1.el9_4", arch: "x86_64" }],
  },
  {
    dir: "almalinux/9.4/AppStream/aarch64/os",
    compression: "gz",
    vendor: "AlmaLinux",
    packages: [{ name: "kernel-devel", ver: "5.14.0", rel: "427.13.1.el9_4", arch: "aarch64" }],
  },
  {
    dir: "rocky/vault/rocky/9.5/AppStream/x86_64/os",
    compression: "gz",
    vendor: "Rocky Enterprise Software Foundation",
    packages: [{ name: "kernel-devel", ver: "5.14.0", rel: "503.14.1.el9_5", arch: "x86_64" }],
  },
  {
    dir: "amazonlinux/2/extras/kernel-5.10/latest/x86_64/1f3a7c9e5b2d4f60",
    compression: "gz",
    vendor: "Amazon Linux",
    packages: [
      {
        name: "kernel-devel",
        ver: "5.10.210",
        rel: "201.852.amzn2",
        arch: "x86_64",
        href: `${AL2_BLOB}/kernel-devel-5.10.210-201.852.amzn2.x86_64.rpm`,
      },
    ],
  },
  {
    dir: "amazonlinux/2/core/2.0/x86_64/0c2ab51f7a1e44f2",
    compression: "bz2",
    form: "sqlite",
    vendor: "Amazon Linux",
    packages: [
      {
        name: "gcc10",
        ver: "10.4.1",
        rel: "2.amzn2.0.2",
        arch: "x86_64",
        srpm: "gcc10-10.4.1-2.amzn2.0.2.src.rpm",
      },
      {
        name: "gcc10",
        ver: "10.5.0",
        rel: "1.amzn2.0.2",
        arch: "x86_64",
        srpm: "gcc10-10.5.0-1.amzn2.0.2.src.rpm",
      },
      { name: "kernel-devel", ver: "4.14.336", rel: "257.562.amzn2", arch: "x86_64" },
    ],
  },
  {
    dir: "al2023/core/guids/4b1a6f3c0d2e9a87/x86_64",
    compression: "gz",
    vendor: "Amazon Linux",
    packages: [
      { name: "kernel-devel", ver: "6.1.158", rel: "178.288.amzn2023", arch: "x86_64" },
      {
        name: "kernel6.12-devel",
        ver: "6.12.58",
        rel: "82.121.amzn2023",
        arch: "x86_64",
        srpm: "kernel6.12-6.12.58-82.121.amzn2023.src.rpm",
      },
    ],
  },
  {
    dir: "al2023/core/guids/9e2c4d1b7a6f3e05/x86_64",
    compression: "gz",
    vendor: "Amazon Linux",
    packages: [
      { name: "kernel-devel", ver: "6.1.79", rel: "99.167.amzn2023", arch: "x86_64" },
      { name: "kernel-livepatch-6.1.79-99.167", ver: "1.0", rel: "1.amzn2023", arch: "x86_64" },
    ],
  },
  // An .el8 kernel whose tag names no minor: 425 is 8.7's GA build, so the 8.7 vault holds it.
  {
    dir: "rocky/vault/rocky/8.7/BaseOS/x86_64/os",
    compression: "xz",
    vendor: "Rocky Enterprise Software Foundation",
    packages: [{ name: "kernel-devel", ver: "4.18.0", rel: "425.3.1.el8", arch: "x86_64" }],
  },
  // CentOS Linux point releases in vault.centos.org, under their full names, with flat Packages/ directories.
  {
    dir: "centos/vault/8.4.2105/BaseOS/x86_64/os",
    compression: "xz",
    vendor: "CentOS",
    packages: [
      {
        name: "kernel-devel",
        ver: "4.18.0",
        rel: "305.3.1.el8",
        arch: "x86_64",
        href: "Packages/kernel-devel-4.18.0-305.3.1.el8.x86_64.rpm",
      },
    ],
  },
  {
    dir: "centos/vault/7.9.2009/updates/x86_64",
    compression: "bz2",
    vendor: "CentOS",
    packages: [
      {
        name: "kernel-devel",
        ver: "3.10.0",
        rel: "1160.119.1.el7",
        arch: "x86_64",
        href: "Packages/kernel-devel-3.10.0-1160.119.1.el7.x86_64.rpm",
      },
    ],
  },
  ...oracleRepos(),
  ...suseRepos(),
];

/**
 * Oracle's public yum server (yum.oracle.com/repo/OracleLinux/…): one repository per tree and arch, package files
 * under getPackage/, RHCK (kernel-devel) and UEK (kernel-uek-devel) kernels as Oracle names them.
 */
function oracleRepos(): Repo[] {
  const repo = (dir: string, packages: Array<Omit<Pkg, "href">>): Repo => ({
    dir: `oraclelinux/repo/OracleLinux/${dir}`,
    compression: "gz",
    style: "reordered",
    vendor: "Oracle America",
    packages: packages.map((p) => ({ ...p, href: `getPackage/${p.name}-${p.ver}-${p.rel}.${p.arch}.rpm` })),
  });
  const uek = (ver: string, rel: string, arch: string, name = "kernel-uek-devel") => ({
    name,
    ver,
    rel,
    arch,
    srpm: `kernel-uek-${ver}-${rel}.src.rpm`,
  });
  return [
    repo("OL9/UEKR7/x86_64", [
      uek("5.15.0", "105.125.6.2.el9uek", "x86_64"),
      uek("5.15.0", "105.125.6.2.el9uek", "x86_64", "kernel-uek"),
    ]),
    repo("OL9/UEKR7/aarch64", [
      uek("5.15.0", "105.125.6.2.el9uek", "aarch64"),
      uek("5.15.0", "105.125.6.2.el9uek", "aarch64", "kernel-uek64k-devel"),
    ]),
    repo("OL9/UEKR8/x86_64", [uek("6.12.0", "100.28.2.2.el9uek", "x86_64")]),
    repo("OL9/appstream/x86_64", [
      { name: "kernel-devel", ver: "5.14.0", rel: "570.51.1.0.1.el9_6", arch: "x86_64" },
    ]),
    repo("OL8/baseos/latest/x86_64", [
      { name: "kernel-devel", ver: "4.18.0", rel: "372.26.1.0.1.el8_6", arch: "x86_64" },
      { name: "kernel-devel", ver: "4.18.0", rel: "553.el8_10", arch: "x86_64" },
    ]),
    repo("OL8/UEKR6/x86_64", [uek("5.4.17", "2136.307.3.1.el8uek", "x86_64")]),
  ];
}

/**
 * openSUSE's download tree (download.opensuse.org/…): Leap 15.3+ keeps every arch in one repository (x86_64/,
 * aarch64/, noarch/ beside one repodata/). SLE kernels carry OBS rebuild counters that differ per subpackage
 * (kernel-default-devel …23.7.3 beside kernel-devel …23.7.2, as published).
 */
function suseRepos(): Repo[] {
  const pkgs = (ver: string, rel: string, arches: Array<[string, string]>): Pkg[] =>
    arches.map(([name, arch]) => ({
      name,
      ver,
      rel,
      arch,
      href: `${arch}/${name}-${ver}-${rel}.${arch}.rpm`,
      srpm: `kernel-${name.includes("devel") && arch !== "noarch" ? name.replace(/-devel$/, "") : "source"}-${ver}-${rel}.src.rpm`,
    }));
  const tree = (sp: string, ver: string, rel: string, counter: string, noarchCounter = counter): Pkg[] => [
    ...pkgs(ver, `${sp}.${rel}.${counter}`, [
      ["kernel-default-devel", "x86_64"],
      ["kernel-default", "x86_64"],
      ["kernel-default-devel", "aarch64"],
      ["kernel-64kb-devel", "aarch64"],
    ]),
    ...pkgs(ver, `${sp}.${rel}.${noarchCounter}`, [
      ["kernel-devel", "noarch"],
      ["kernel-macros", "noarch"],
    ]),
  ];
  const repo = (dir: string, compression: Repo["compression"], packages: Pkg[]): Repo => ({
    dir: `opensuse/${dir}`,
    compression,
    style: "reordered",
    vendor: "SUSE LLC <https://www.suse.com/>",
    packages,
  });
  return [
    repo("update/leap/15.6/sle", "zst", [
      ...tree("150600", "6.4.0", "23.7", "3", "2"),
      ...tree("150600", "6.4.0", "23.25", "1"),
    ]),
    repo("distribution/leap/15.6/repo/oss", "gz", tree("150600", "6.4.0", "16", "3", "1")),
    repo("update/leap/15.4/sle", "gz", tree("150400", "5.14.21", "22", "1")),
  ];
}

/** mirror.list files name their mirror by its public address; tests rewrite the origin to the local server. */
export const MIRROR_LISTS: Record<string, string> = {
  "amazonlinux/2/extras/kernel-5.10/latest/x86_64/mirror.list":
    "http://amazonlinux.us-east-1.amazonaws.com/2/extras/kernel-5.10/latest/$basearch/1f3a7c9e5b2d4f60\n",
  "amazonlinux/2/core/2.0/x86_64/mirror.list":
    "http://amazonlinux.us-east-1.amazonaws.com/2/core/2.0/$basearch/0c2ab51f7a1e44f2\n",
  "al2023/core/mirrors/latest/x86_64/mirror.list":
    "https://cdn.amazonlinux.com/al2023/core/guids/4b1a6f3c0d2e9a87/x86_64/\n",
  "al2023/core/mirrors/2023.3.20240312/x86_64/mirror.list":
    "https://cdn.amazonlinux.com/al2023/core/guids/9e2c4d1b7a6f3e05/x86_64/\n",
};

if (process.argv[1]?.endsWith("make-rpm-fixtures.ts")) {
  rmSync(ROOT, { recursive: true, force: true });
  for (const r of REPOS) writeRepo(r);
  for (const [path, text] of Object.entries(MIRROR_LISTS)) write(join(ROOT, path), text);
  console.log(`wrote ${REPOS.length} repositories under ${ROOT}`);
}
