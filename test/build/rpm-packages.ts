import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HeaderTree } from "../../src/executors/header-tree.js";

/**
 * Real RPMs of kernel build trees for the RPM-layout tests: a real kernel tree (Debian's, fetched from the live
 * archive) copied into the layout a distribution's devel packages use, then packed with rpmbuild.
 */

/** Debian's arch headers over its -common tree, with the real top-level Makefile: one flat build tree. */
export function flattenDebianTree(tree: HeaderTree, into: string): void {
  const src = join(tree.root, "usr/src");
  const common = commonDir(tree);
  mkdirSync(into, { recursive: true });
  execFileSync("cp", ["-aL", `${join(src, common)}/.`, into]);
  execFileSync("cp", ["-aL", `${tree.buildDir}/.`, into]);
  execFileSync("cp", ["-L", join(src, common, "Makefile"), join(into, "Makefile")]);
}

/** The -common directory of an extracted Debian headers tree (`linux-headers-6.1.0-18-common`). */
export function commonDir(tree: HeaderTree): string {
  const common = readdirSync(join(tree.root, "usr/src")).find((d) => d.endsWith("-common"));
  if (!common) throw new Error(`no -common tree under ${tree.root}/usr/src`);
  return common;
}

export interface RpmSpec {
  name: string;
  version: string;
  release: string;
  arch: "x86_64" | "noarch";
  /** Directory trees to install: `from` (a local directory) becomes the absolute path `to`. */
  trees: Array<{ from: string; to: string }>;
}

/** Packs the trees into `<name>-<version>-<release>.<arch>.rpm` with rpmbuild and returns its path. */
export function buildRpm(work: string, spec: RpmSpec): string {
  const topdir = join(work, `rpm-${spec.name}`);
  const specFile = join(work, `${spec.name}.spec`);
  writeFileSync(
    specFile,
    [
      `Name: ${spec.name}`,
      `Version: ${spec.version}`,
      `Release: ${spec.release}`,
      ...(spec.arch === "noarch" ? ["BuildArch: noarch"] : []),
      "Summary: kernel build tree for module builds",
      "License: GPL-2.0",
      "AutoReqProv: no",
      "%define debug_package %{nil}",
      "%define __os_install_post %{nil}",
      "%define _build_id_links none",
      "%description",
      "Kernel build tree.",
      "%install",
      ...spec.trees.flatMap((t) => [
        `mkdir -p %{buildroot}${t.to}`,
        `cp -a ${t.from}/. %{buildroot}${t.to}/`,
      ]),
      "%files",
      ...spec.trees.map((t) => t.to),
      "",
    ].join("\n"),
  );
  try {
    execFileSync("rpmbuild", ["--define", `_topdir ${topdir}`, "-bb", specFile], { stdio: "pipe" });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? "");
    throw new Error(`rpmbuild ${spec.name} failed: ${stderr.slice(-1500)}`);
  }
  const dir = join(topdir, "RPMS", spec.arch);
  return join(dir, readdirSync(dir)[0]!);
}
