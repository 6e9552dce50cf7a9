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

/** Header packages as files; each `dag.http` pins the plan's sha256 so a changed mirror file fails the fetch. */
function withHeaderPackages(ctr: Container, plan: BuildPlan): Container {
  return plan.packages.reduce((c, pkg, i) => {
    const file = dag.http(pkg.url, pkg.sha256 ? { checksum: `sha256:${pkg.sha256}` } : {});
    return c.withFile(`${WORK}/pkgs/${packageFileName(pkg, i)}`, file);
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
  ctr = run("extract-headers.sh", [`${WORK}/headers`, `${WORK}/pkgs`], "extract.log");
  ctr = run("compile-module.sh", [`${WORK}/headers`, `${WORK}/src`, `${WORK}/build`], "build.log");
  ctr = run("collect-facts.sh", [`${WORK}/build`, FACTS_FILE], "facts.log");
  ctr = run("package.sh", [`${WORK}/build`, OUT], "package.log");
  return ctr;
}

export function buildOutput(ctr: Container): Directory {
  return ctr.directory(OUT);
}
