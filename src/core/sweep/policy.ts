import type { VersionTarget } from "../targets.js";

/** The compiler major a kernel line needs under a target: a listed line's override, else the image default. */
export function compilerFor(
  target: VersionTarget,
  upstreamVersion: string,
): { family: "gcc" | "clang"; major: number } {
  const line = /^(\d+\.\d+)/.exec(upstreamVersion)?.[1];
  const override = target.compiler.lines.find((l) => l.kernel === line);
  return { family: target.compiler.family, major: override?.major ?? target.compiler.defaultMajor };
}
