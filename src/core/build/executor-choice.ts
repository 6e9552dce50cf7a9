import type { ErrorCode } from "../errors.js";
import type { BuildMode } from "./builder-plan.js";

/**
 * Where a build's compile step runs. `auto` takes this host when it has the kernel's compiler and arch tools (the
 * compile script's probe says so), else a container of the kernel's builder image, else fails saying what to
 * install. An emulated build (a foreign-arch builder) never runs on the host.
 */

export type ExecutorKind = "host" | "container";

export interface ExecutorFacts {
  requested: "auto" | ExecutorKind;
  mode: BuildMode;
  /** The host probe's verdict (the compiler it found, or why none fits); absent when not asked. */
  host?: { ok: boolean; detail: string };
  /** Whether containers can run here; absent when not asked. */
  containers?: { ok: true } | { ok: false; detail: string };
}

export type ExecutorChoice =
  | { ok: true; kind: ExecutorKind; why: string }
  | { ok: false; code: ErrorCode; message: string };

export function chooseExecutor(facts: ExecutorFacts): ExecutorChoice {
  const { requested, host, containers } = facts;
  const hostOk = facts.mode !== "emulated" && host?.ok === true;
  if (requested === "host") {
    if (facts.mode === "emulated")
      return {
        ok: false,
        code: "COMPILER_MISMATCH",
        message: "this build needs a foreign-arch builder; use --executor container",
      };
    return hostOk
      ? { ok: true, kind: "host", why: host!.detail }
      : {
          ok: false,
          code: "COMPILER_MISMATCH",
          message: host?.detail || "this host cannot build for this kernel",
        };
  }
  if (requested === "auto" && hostOk) return { ok: true, kind: "host", why: `this host has ${host!.detail}` };
  if (containers?.ok)
    return {
      ok: true,
      kind: "container",
      why: requested === "auto" ? `host: ${host?.detail ?? facts.mode}` : "requested",
    };
  const hostWhy = facts.mode === "emulated" ? "the build needs a foreign-arch builder" : (host?.detail ?? "");
  return {
    ok: false,
    code: requested === "container" ? "EXTERNAL_TOOL_FAILED" : "COMPILER_MISMATCH",
    message:
      requested === "container"
        ? `containers cannot run here: ${containers && !containers.ok ? containers.detail : "unknown"}; install podman and runc (scripts/setup-host.sh does)`
        : `neither this host nor a container can build this kernel: ${hostWhy}; and containers cannot run here: ${containers && !containers.ok ? containers.detail : "unknown"}. Install the compiler named above, or podman and runc (scripts/setup-host.sh installs them)`,
  };
}
