import { z } from "zod";
import { DISTROS, type Distro, type HeaderPackageSpec, type ParsedRelease } from "../distros/adapter.js";
import { adapterFor, normaliseDistro, releaseExamples, versionExamples } from "../distros/registry.js";
import { ARCHES, type Arch, normaliseArch } from "./arch.js";
import { type FieldIssue, fail, InvalidInputError, ok, type Result, showValue } from "./errors.js";

/**
 * Kernel identity: the key every downstream step (header resolution, builds, the sweep matrix, artifact names)
 * uses. `uname -r` alone is not enough (Ubuntu ships one release string in two series built with different
 * compilers), so the distribution version and arch are part of it.
 */

export const MAX_RELEASE_LENGTH = 128;
export const MAX_DRIVER_VERSION_LENGTH = 64;

/** Characters a kernel release may hold. Anything that could reach a shell or a URL path is outside this set. */
const RELEASE_CHARS = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;

/** Raw input as it arrives from a CLI flag, an HTTP body, a crawler file or a Dagger argument. */
export interface IdentityInput {
  kernelRelease: unknown;
  distro: unknown;
  distroVersion: unknown;
  arch: unknown;
  driverVersion?: unknown;
}

export interface KernelIdentity {
  distro: Distro;
  distroVersion: string;
  arch: Arch;
  kernelRelease: string;
  driverVersion?: string;
  upstreamVersion: string;
  sublevelKnown: boolean;
  abi: string;
  flavour: string;
  distroTag: string;
  /** Packages a build on an x86_64 host (the default build host) needs; cross builds take host-arch kbuild. */
  headerPackages: HeaderPackageSpec[];
}

/** The five fields that identify a kernel build for a module; everything else is derived from them. */
export type IdentityKey = Pick<
  KernelIdentity,
  "distro" | "distroVersion" | "arch" | "kernelRelease" | "driverVersion"
>;

/** A value as text for an error report, whatever its type (bigint, symbol, objects with hostile toString). */
function givenText(given: unknown): string {
  if (typeof given === "string") return given;
  if (given === undefined || given === null || typeof given !== "object") return String(given);
  return Array.isArray(given) ? "[array]" : "[object]";
}

function issue(field: string, given: unknown, expected: string, why?: string): FieldIssue {
  const text = givenText(given);
  return {
    field,
    given: text,
    expected,
    message: `${field}: ${why ?? "invalid value"} ${showValue(text)}; expected ${expected}`,
  };
}

/** Validates one free-text token (release, driver version) against the safe character set. */
export function checkToken(
  field: string,
  value: unknown,
  maxLength: number,
  expected: string,
): FieldIssue | string {
  if (typeof value !== "string" || value.length === 0)
    return issue(field, value, expected, "missing or not a string:");
  if (value.length > maxLength)
    return issue(
      field,
      value,
      `${expected} (at most ${maxLength} characters)`,
      `too long (${value.length} characters):`,
    );
  if (value.includes("..")) return issue(field, value, expected, "contains '..':");
  if (!RELEASE_CHARS.test(value))
    return issue(field, value, expected, "contains characters outside [A-Za-z0-9._+~-]:");
  return value;
}

const rawSchema = z.object({
  kernelRelease: z.unknown(),
  distro: z.unknown(),
  distroVersion: z.unknown(),
  arch: z.unknown(),
  driverVersion: z.unknown().optional(),
});

export interface ParseOptions {
  /** Arch of the machine that compiles; decides which kbuild package a Debian cross build takes. */
  hostArch?: Arch;
}

/**
 * Parses and normalises an identity. Never throws: every problem is returned as an InvalidInputError naming the
 * field, the value given and the form expected. Whether the identity is in the supported matrix is a separate
 * question (see targets).
 */
export function parseIdentity(
  input: IdentityInput,
  options: ParseOptions = {},
): Result<KernelIdentity, InvalidInputError> {
  try {
    return parseChecked(input, options);
  } catch (err) {
    // An adapter bug or a hostile input object (throwing getters) must not escape as an unhandled throw.
    return fail(
      new InvalidInputError([
        issue("input", "", "a plain identity object", `could not be read (${(err as Error)?.message}):`),
      ]),
    );
  }
}

// Built once: every identity parse (a service parses one per request) names the same examples.
let releaseHint: string | undefined;
const releaseExpectation = () => {
  releaseHint ??= `a kernel release such as ${releaseExamples().join(", ")}`;
  return releaseHint;
};

function parseChecked(
  input: IdentityInput,
  options: ParseOptions,
): Result<KernelIdentity, InvalidInputError> {
  const shape = rawSchema.safeParse(input);
  if (!shape.success)
    return fail(
      new InvalidInputError([
        issue("input", input, "an object with kernelRelease, distro, distroVersion, arch"),
      ]),
    );
  const raw = shape.data;
  const issues: FieldIssue[] = [];

  const release = checkToken("kernelRelease", raw.kernelRelease, MAX_RELEASE_LENGTH, releaseExpectation());
  if (typeof release !== "string") issues.push(release);

  let distro: Distro | undefined;
  if (typeof raw.distro !== "string" || raw.distro.length > 32)
    issues.push(issue("distro", raw.distro, `one of ${DISTROS.join(", ")}`));
  else {
    distro = normaliseDistro(raw.distro);
    if (!distro)
      issues.push(issue("distro", raw.distro, `one of ${DISTROS.join(", ")}`, "unknown distribution"));
  }

  let arch: Arch | undefined;
  if (typeof raw.arch !== "string" || raw.arch.length > 16)
    issues.push(issue("arch", raw.arch, `one of ${ARCHES.join(", ")} (or amd64, arm64)`));
  else {
    arch = normaliseArch(raw.arch);
    if (!arch)
      issues.push(
        issue("arch", raw.arch, `one of ${ARCHES.join(", ")} (or amd64, arm64)`, "unknown architecture"),
      );
  }

  let driverVersion: string | undefined;
  if (raw.driverVersion !== undefined && raw.driverVersion !== null && raw.driverVersion !== "") {
    const dv = checkToken(
      "driverVersion",
      raw.driverVersion,
      MAX_DRIVER_VERSION_LENGTH,
      "a version such as 1.2.3 or v0.5.16",
    );
    if (typeof dv === "string") driverVersion = dv;
    else issues.push(dv);
  }

  let distroVersion: string | undefined;
  if (distro) {
    const adapter = adapterFor(distro);
    if (typeof raw.distroVersion !== "string" && typeof raw.distroVersion !== "number") {
      issues.push(
        issue("distroVersion", raw.distroVersion, `a distribution version such as ${versionExamples()}`),
      );
    } else {
      const text = String(raw.distroVersion);
      if (text.length > 32 || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text)) {
        issues.push(issue("distroVersion", text, `a distribution version such as ${versionExamples()}`));
      } else {
        const v = adapter.normaliseVersion(distro, text);
        if (typeof v === "string") distroVersion = v;
        else issues.push(v);
      }
    }
  }

  if (issues.length > 0 || !distro || !arch || distroVersion === undefined || typeof release !== "string") {
    return fail(new InvalidInputError(issues));
  }

  const adapter = adapterFor(distro);
  const ctx = { kernelRelease: release, distroVersion, arch };
  const parsed: ParsedRelease | FieldIssue[] = adapter.parseRelease(distro, ctx);
  if (Array.isArray(parsed)) return fail(new InvalidInputError(parsed));

  const recordedVersion = parsed.canonicalDistroVersion ?? distroVersion;
  const headerPackages = adapter.headerPackages(distro, {
    ...ctx,
    distroVersion: recordedVersion,
    parsed,
    hostArch: options.hostArch ?? "x86_64",
  });
  const identity: KernelIdentity = {
    distro,
    distroVersion: recordedVersion,
    arch,
    kernelRelease: release,
    ...(driverVersion ? { driverVersion } : {}),
    upstreamVersion: parsed.upstreamVersion,
    sublevelKnown: parsed.sublevelKnown,
    abi: parsed.abi,
    flavour: parsed.flavour,
    distroTag: parsed.distroTag,
    headerPackages,
  };
  return ok(identity);
}

/** The identifying fields only, in canonical order: what names, cache keys and dedup keys are computed from. */
export function identityKey(id: IdentityKey): IdentityKey {
  return {
    distro: id.distro,
    distroVersion: id.distroVersion,
    arch: id.arch,
    kernelRelease: id.kernelRelease,
    ...(id.driverVersion ? { driverVersion: id.driverVersion } : {}),
  };
}
