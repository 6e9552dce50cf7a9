import { type Container, type Directory, dag } from "@dagger.io/dagger";
import type { BuildPlan } from "./build-plan.js";
import { packageFileName } from "./build-plan.js";
import { builderContainer, withPackageCache } from "./builder.js";

/**
 * One build as a container chain: builder image, header packages fetched by checksum, the module source, then the
 * same POSIX scripts the local executor runs (extract-headers, compile-module, collect-facts, package). Lazy: nothing
 * runs until a caller reads a leaf.
 */

export const WORK = "/work";
export const OUT = `${WORK}/out`;
export const FACTS_FILE = `${OUT}/facts.txt`;

/**
 * Fixed script (inputs arrive only as positional arguments): per built module, the facts the verify gate reads
 * (vermagic via modinfo, ELF e_machine from the header) and the packaged `.ko.xz` from package-module.sh; the
 * compile logs are copied next to them.
 */
export const COLLECT_AND_PACKAGE = [
  "set -eu",
  'build=$1 out=$2 tree=$3; : > "$out/facts.txt"',
  // The kernel configuration symbols vermagic's flag tail comes from, for the gate to derive the expected tail.
  "grep -E '^CONFIG_(SMP|PREEMPT_BUILD|PREEMPT|PREEMPT_RT|MODULE_UNLOAD|MODVERSIONS)=' \"$tree/include/config/auto.conf\" | sed 's/^/config=/' >> \"$out/facts.txt\" || true",
  'for ko in "$build"/*.ko; do',
  '  name=$(basename "$ko")',
  '  printf "module=%s\\nvermagic=%s\\nelf_machine=%s\\n" "$name" "$(modinfo -F vermagic "$ko")" "$(od -An -tu2 -j18 -N2 "$ko" | tr -d " ")" >> "$out/facts.txt"',
  // Every imported symbol CRC against the kernel's Module.symvers.
  '  modprobe --dump-modversions "$ko" > "$build/.crcs" || : > "$build/.crcs"',
  '  awk \'NR==FNR { k[$2]=$1; next } { n++; if (!($2 in k) || k[$2] != $1) bad++ } END { printf "crc_checked=%d\\ncrc_mismatch=%d\\n", n, bad }\' "$tree/Module.symvers" "$build/.crcs" >> "$out/facts.txt"',
  '  sh /kmodforge/scripts/package-module.sh "$ko" "$out/$name.xz"',
  "done",
  'for f in build.log compiler.txt kernel-compiler.txt; do [ ! -f "$build/$f" ] || cp "$build/$f" "$out/"; done',
].join("\n");

const packagePaths = (plan: BuildPlan): string[] =>
  plan.packages.map((pkg, i) => `${WORK}/pkgs/${packageFileName(pkg, i)}`);

/** Header packages as files; each `dag.http` pins the plan's sha256 so a changed mirror file fails the fetch. */
function withHeaderPackages(ctr: Container, plan: BuildPlan): Container {
  const paths = packagePaths(plan);
  return plan.packages.reduce((c, pkg, i) => {
    const file = dag.http(pkg.url, pkg.sha256 ? { checksum: `sha256:${pkg.sha256}` } : {});
    return c.withFile(paths[i] as string, file);
  }, ctr);
}

export function buildContainer(repo: Directory, source: Directory, plan: BuildPlan): Container {
  const scripts = repo.directory("scripts");
  let ctr = withPackageCache(builderContainer(repo, plan), plan);
  for (const [name, value] of Object.entries(plan.env).sort(([a], [b]) => a.localeCompare(b)))
    ctr = ctr.withEnvVariable(name, value);
  ctr = withHeaderPackages(ctr, plan)
    .withDirectory("/kmodforge/scripts", scripts)
    .withDirectory(`${WORK}/src`, source)
    .withWorkdir(WORK)
    .withExec(["mkdir", "-p", OUT, `${WORK}/headers`, `${WORK}/build`]);
  const run = (script: string, args: string[], log: string): Container =>
    ctr.withExec(["sh", `/kmodforge/scripts/${script}`, ...args], { redirectStdout: `${OUT}/${log}` });
  ctr = run("extract-headers.sh", [`${WORK}/headers`, ...packagePaths(plan)], "extract.log");
  const tree = `${WORK}/headers/${plan.headersTree}`;
  ctr = run("compile-module.sh", [tree, `${WORK}/src`, `${WORK}/build`, plan.identity.arch], "compile.log");
  ctr = ctr.withExec(["sh", "-c", COLLECT_AND_PACKAGE, "collect", `${WORK}/build`, OUT, tree], {
    redirectStdout: `${OUT}/package.log`,
  });
  return ctr;
}

export function buildOutput(ctr: Container): Directory {
  return ctr.directory(OUT);
}
