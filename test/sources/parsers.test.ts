import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import {
  expandUrlTemplate,
  explicitUrlLinkFromInputs,
  parseHeaderUrlInput,
} from "../../src/core/headers/explicit-url.js";
import { kojiPackageUrls, kojiSourceName } from "../../src/core/headers/koji-layout.js";
import {
  expandRepoTemplate,
  parseMirrorList,
  resolvePackageUrl,
} from "../../src/core/headers/mirror-list.js";
import { createPrimaryScanner, isHeaderLikeName } from "../../src/core/headers/primary-xml.js";
import { parseRepomd, pickPrimary } from "../../src/core/headers/repomd.js";
import { rpmVerCmp } from "../../src/core/headers/rpm-package.js";
import {
  kernelsFromLivepatches,
  livepatchKernelRelease,
  parseLivepatchPackage,
} from "../../src/distros/amazonlinux-livepatch.js";

describe("RPM versions", () => {
  it("rpmvercmp orders like rpm", () => {
    expect(rpmVerCmp("10.5.0", "10.4.1")).toBe(1);
    expect(rpmVerCmp("427.13.1.el9_4", "427.el9")).toBe(1);
    expect(rpmVerCmp("1.0~rc1", "1.0")).toBe(-1);
    expect(rpmVerCmp("2.amzn2.0.2", "2.amzn2.0.10")).toBe(-1);
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => rpmVerCmp(a, b) === -rpmVerCmp(b, a) || a === b),
    );
  });
});

describe("Amazon Linux live-patch names as a kernel index", () => {
  it("reads AL2 and AL2023 names", () => {
    expect(parseLivepatchPackage("kernel-livepatch-5.10.240-238.955", "1.0-0.amzn2")).toEqual({
      version: "5.10.240",
      buildRelease: "238.955",
      distTag: "amzn2",
    });
    const al2023 = parseLivepatchPackage("kernel-livepatch-6.1.147-172.266-1.0-1.amzn2023");
    expect(al2023).toEqual({ version: "6.1.147", buildRelease: "172.266", distTag: "amzn2023" });
    expect(livepatchKernelRelease(al2023!, "aarch64")).toBe("6.1.147-172.266.amzn2023.aarch64");
    expect(parseLivepatchPackage("kernel-livepatch-5.10.240-238.955")?.distTag).toBeUndefined();
    expect(parseLivepatchPackage("kernel-devel-5.10.240-238.955")).toBeUndefined();
  });
  it("lists distinct kernels", () => {
    expect(
      kernelsFromLivepatches(
        [
          "kernel-livepatch-6.12.40-63.114-1.0-1.amzn2023",
          "kernel-livepatch-6.12.40-63.114-1.0-2.amzn2023",
          "kernel-livepatch-6.1.147-172.266-1.0-1.amzn2023.x86_64",
        ],
        "x86_64",
      ),
    ).toEqual(["6.12.40-63.114.amzn2023.x86_64", "6.1.147-172.266.amzn2023.x86_64"]);
  });
});

describe("repository addressing", () => {
  it("substitutes variables and reads mirror lists", () => {
    expect(
      expandRepoTemplate(
        "https://cdn.amazonlinux.com/al2023/core/mirrors/$releasever/$basearch/mirror.list",
        { basearch: "aarch64", releasever: "2023.9.20251117" },
      ),
    ).toBe("https://cdn.amazonlinux.com/al2023/core/mirrors/2023.9.20251117/aarch64/mirror.list");
    expect(
      parseMirrorList("# comment\nhttp://a.example/2/core/2.0/$basearch/abc\nfile:///etc/passwd\n\n", {
        basearch: "x86_64",
        releasever: "",
      }),
    ).toEqual(["http://a.example/2/core/2.0/x86_64/abc"]);
  });
  it("resolves ../ in locations, honours xml:base, refuses non-http results", () => {
    expect(resolvePackageUrl("http://h/2/core/2.0/x86_64/abc", "../../../../blobstore/k.rpm")).toBe(
      "http://h/2/blobstore/k.rpm",
    );
    expect(resolvePackageUrl("http://h/repo/", "Packages/k.rpm", "https://other.example/pool/")).toBe(
      "https://other.example/pool/Packages/k.rpm",
    );
    expect(resolvePackageUrl("http://h/repo/", "file:///etc/passwd")).toBeUndefined();
  });
});

describe("metadata parsers", () => {
  const block = (name: string, ver: string) =>
    `<package type="rpm"><name>${name}</name><arch>x86_64</arch><version epoch="0" ver="${ver}" rel="1.el9"/><checksum type="sha256" pkgid="YES">${"a".repeat(64)}</checksum><packager>x</packager><size package="10" installed="1" archive="1"/><location href="Packages/${name}-${ver}.rpm"/></package>\n`;
  const xml = `<?xml version="1.0"?>\n<metadata packages="3">\n${block("bash", "5.1")}${block("kernel-devel", "5.14.0")}${block("kernel-rt-devel", "5.14.0")}</metadata>\n`;

  it("the primary scanner gives the same answer however the text is chunked", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: xml.length - 1 }), { maxLength: 6 }), (cuts) => {
        const s = createPrimaryScanner();
        let last = 0;
        for (const c of [...new Set(cuts)].sort((a, b) => a - b)) {
          s.push(xml.slice(last, c));
          last = c;
        }
        s.push(xml.slice(last));
        const r = s.finish();
        return (
          r.complete &&
          r.total === 3 &&
          r.packages.map((p) => p.name).join() === "kernel-devel,kernel-rt-devel"
        );
      }),
    );
  });
  it("a cut-off index is not complete", () => {
    const s = createPrimaryScanner();
    s.push(xml.slice(0, xml.length - 20));
    expect(s.finish().complete).toBe(false);
  });
  it("keeps devel and compiler names only", () => {
    expect(
      [
        "kernel-devel",
        "kernel6.12-devel",
        "kernel-64k-devel",
        "kernel-uek-devel",
        "kernel-default-devel",
        "kernel-devel-rt",
        "kernel-macros",
        "gcc10",
        "gcc",
      ].every(isHeaderLikeName),
    ).toBe(true);
    expect(["kernel-headers", "kernel-tools-libs-devel", "bash"].some(isHeaderLikeName)).toBe(false);
  });
  it("picks the XML primary from repomd and skips unverifiable entries", () => {
    const md = `<repomd><data type="primary_db"><checksum type="sha256">${"b".repeat(64)}</checksum><location href="repodata/x-primary.sqlite.bz2"/></data><data type="primary"><checksum type="sha256">${"c".repeat(64)}</checksum><location href="repodata/y-primary.xml.zst"/><size>12</size></data><data type="other"><location href="repodata/o.xml.gz"/></data></repomd>`;
    const read = parseRepomd(md);
    if (!read.ok) throw new Error(read.error);
    expect(read.entries.map((e) => e.type)).toEqual(["primary_db", "primary"]);
    expect(pickPrimary(read.entries)).toEqual(
      expect.objectContaining({ href: "repodata/y-primary.xml.zst", size: 12 }),
    );
  });
  it("reads repomd whatever its attribute order, quoting, prefixes or extra elements (SUSE's <tags>)", () => {
    const sum = "d".repeat(64);
    const md = `<?xml version='1.0' encoding='UTF-8'?>
<repo:repomd xmlns:repo='http://linux.duke.edu/metadata/repo' xmlns:rpm='http://linux.duke.edu/metadata/rpm'>
  <repo:revision>1715100000</repo:revision>
  <repo:tags><repo:repo>obsrepository://build.opensuse.org/openSUSE:Leap:15.6/standard</repo:repo></repo:tags>
  <repo:data type='primary'>
    <repo:location xml:base='https://mirror.example/leap/' href='repodata/${sum}-primary.xml.gz'/>
    <repo:size>4096</repo:size>
    <repo:checksum type='SHA256'><![CDATA[${sum.toUpperCase()}]]></repo:checksum>
    <repo:open-size>65536</repo:open-size>
  </repo:data>
</repo:repomd>`;
    const read = parseRepomd(md);
    if (!read.ok) throw new Error(read.error);
    expect(read.entries).toEqual([
      {
        type: "primary",
        href: `repodata/${sum}-primary.xml.gz`,
        checksumType: "SHA256",
        checksum: sum,
        size: 4096,
        openSize: 65536,
      },
    ]);
  });
  it("refuses repomd that is not well-formed XML", () => {
    const read = parseRepomd(`<repomd><data type="primary"><location href="a.xml.gz"></data></repomd>`);
    expect(read.ok).toBe(false);
  });
  it("reads primary packages whatever the attribute order, quoting and entities", () => {
    const sum = "e".repeat(64);
    const other = `<?xml version="1.0"?>
<metadata packages='2' xmlns:rpm='http://linux.duke.edu/metadata/rpm' xmlns='http://linux.duke.edu/metadata/common'>
<package type='rpm'>
  <arch>x86_64</arch>
  <name>kernel-default-devel</name>
  <location href='x86_64/kernel-default-devel-6.4.0-150600.23.25.1.x86_64.rpm' xml:base='https://mirror.example/leap/15.6/sle/'/>
  <size archive='1' installed='2' package='1234'/>
  <version rel='150600.23.25.1' ver='6.4.0' epoch='0'/>
  <checksum pkgid='YES' type='sha256'>${sum}</checksum>
  <format><rpm:provides><rpm:entry name='kernel-default-devel' ver='6.4.0'/></rpm:provides></format>
</package>
<package type="rpm"><name>kernel-uek-devel</name><arch>aarch64</arch><version ver="5.15.0" rel="105.125.6.2.el9uek"/><checksum type="sha256">${sum}</checksum><location href="getPackage/kernel-uek-devel-5.15.0-105.125.6.2.el9uek.aarch64.rpm?a=1&amp;b=2"/></package>
</metadata>`;
    const s = createPrimaryScanner();
    s.push(other);
    const r = s.finish();
    expect(r.complete).toBe(true);
    expect(r.packages).toEqual([
      {
        name: "kernel-default-devel",
        arch: "x86_64",
        epoch: "0",
        version: "6.4.0",
        release: "150600.23.25.1",
        checksumType: "sha256",
        checksum: sum,
        size: 1234,
        href: "x86_64/kernel-default-devel-6.4.0-150600.23.25.1.x86_64.rpm",
        base: "https://mirror.example/leap/15.6/sle/",
      },
      {
        name: "kernel-uek-devel",
        arch: "aarch64",
        epoch: "0",
        version: "5.15.0",
        release: "105.125.6.2.el9uek",
        checksumType: "sha256",
        checksum: sum,
        href: "getPackage/kernel-uek-devel-5.15.0-105.125.6.2.el9uek.aarch64.rpm?a=1&b=2",
      },
    ]);
  });
  it("a primary index that breaks the XML grammar is not complete and says why", () => {
    const s = createPrimaryScanner();
    s.push(`<metadata><package><name>kernel-devel</name></packge></metadata>`);
    const r = s.finish();
    expect(r.complete).toBe(false);
    expect(r.error).toBeTruthy();
  });
});

describe("explicit URLs", () => {
  it("validates --header-url input", () => {
    expect(parseHeaderUrlInput(`https://h.example/k.rpm#sha256=${"A".repeat(64)}`)).toEqual({
      url: "https://h.example/k.rpm",
      sha256: "a".repeat(64),
    });
    expect(parseHeaderUrlInput("https://h.example/k.rpm")).toEqual({ url: "https://h.example/k.rpm" });
    for (const bad of [
      "ftp://h/k.rpm",
      "https://h/k.rpm#md5=abc",
      "https://h/k.rpm#sha256=123",
      "not a url",
      42,
    ]) {
      expect(() => parseHeaderUrlInput(bad)).toThrow(InvalidInputError);
    }
    expect(explicitUrlLinkFromInputs(["https://h.example/a.deb"]).templates).toEqual([
      "https://h.example/a.deb",
    ]);
  });
  it("expands templates, encoding values and refusing unknown placeholders", () => {
    const v = { name: "linux-headers-6.12.117+deb12-amd64", version: "6.12.117-1~deb12u1", arch: "amd64" };
    expect(expandUrlTemplate("https://m.example/pool/{name}_{version}_{arch}.deb", v)?.url).toBe(
      "https://m.example/pool/linux-headers-6.12.117%2Bdeb12-amd64_6.12.117-1~deb12u1_amd64.deb",
    );
    expect(expandUrlTemplate("https://m.example/{release}/{name}", v)).toBeUndefined();
    expect(expandUrlTemplate("https://m.example/{name}", { name: "../../x y" })).toBeUndefined();
  });
});

describe("Koji layout", () => {
  it("names source packages and orders signed copies first", () => {
    expect(kojiSourceName("kernel-rt-devel")).toBe("kernel");
    expect(kojiSourceName("kernel6.12-devel")).toBe("kernel6.12");
    const urls = kojiPackageUrls(
      {
        kind: "koji",
        hub: "https://kojihub.stream.centos.org/kojifiles/",
        signedKeys: ["8483C65D", "bad key!"],
      },
      { name: "kernel-devel", arch: "x86_64", repoArch: "x86_64", version: "5.14.0", release: "427.el9" },
    );
    expect(urls.map((u) => u.url)).toEqual([
      "https://kojihub.stream.centos.org/kojifiles/packages/kernel/5.14.0/427.el9/data/signed/8483c65d/x86_64/kernel-devel-5.14.0-427.el9.x86_64.rpm",
      "https://kojihub.stream.centos.org/kojifiles/packages/kernel/5.14.0/427.el9/x86_64/kernel-devel-5.14.0-427.el9.x86_64.rpm",
    ]);
  });
});
