import { ARCH_FACTS } from "../../core/arch.js";
import type { ResolveRequest } from "../../core/headers/types.js";
import type { HeaderPackageSpec } from "../../distros/adapter.js";

/** Debian architecture of one package of a request: the target's, the build host's, or `all`. */
export function debArchOf(req: ResolveRequest, spec: HeaderPackageSpec): string {
  if (spec.arch === "all") return "all";
  return ARCH_FACTS[spec.arch === "host" ? req.hostArch : req.identity.arch].deb;
}
