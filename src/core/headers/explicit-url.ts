import { z } from "zod";
import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { adapterFor } from "../../distros/registry.js";
import { splitRpmRelease } from "../../distros/rpm-release.js";
import { ARCH_FACTS } from "../arch.js";
import { InvalidInputError } from "../errors.js";
import type { HeaderSource } from "../targets.js";
import { isHttpUrl } from "./mirror-list.js";
import type { ResolveRequest } from "./types.js";

/**
 * Explicit URLs: templates from targets/ (`{name}` `{version}` `{release}` `{arch}` `{debArch}` `{upstream}`) and
 * URLs a user hands in. Either may carry the expected hash as a fragment, `…/pkg.rpm#sha256=<64 hex>`; without one
 * the file is unverified.
 */

export interface ExplicitUrl {
  url: string;
  sha256?: string;
}

export const headerUrlInputSchema = z
  .string()
  .max(2048)
  .transform((text, ctx): ExplicitUrl => {
    const hash = text.indexOf("#");
    const url = hash >= 0 ? text.slice(0, hash) : text;
    const fragment = hash >= 0 ? text.slice(hash + 1) : "";
    if (!isHttpUrl(url) || /\s/.test(url)) {
      ctx.addIssue({ code: "custom", message: "not an http(s) URL" });
      return z.NEVER;
    }
    if (fragment === "") return { url };
    const m = /^sha256=([0-9a-fA-F]{64})$/.exec(fragment);
    if (!m) {
      ctx.addIssue({ code: "custom", message: "fragment must be #sha256=<64 hex digits>" });
      return z.NEVER;
    }
    return { url, sha256: m[1]!.toLowerCase() };
  });

/** Validates a user-supplied `<url>[#sha256=<hex>]`. Throws InvalidInputError naming the value. */
export function parseHeaderUrlInput(text: unknown): ExplicitUrl {
  const r = headerUrlInputSchema.safeParse(text);
  if (r.success) return r.data;
  const given = typeof text === "string" ? text : String(text);
  throw new InvalidInputError([
    {
      field: "header-url",
      given,
      expected: "an http(s) URL, optionally followed by #sha256=<64 hex digits>",
      message: `header-url: ${r.error.issues[0]?.message ?? "invalid"}`,
    },
  ]);
}

/** A chain link made of user-supplied URLs, to put in front of a target's chain. */
export function explicitUrlLinkFromInputs(
  inputs: readonly unknown[],
): Extract<HeaderSource, { kind: "explicit-url" }> {
  const parsed = inputs.map(parseHeaderUrlInput);
  return {
    kind: "explicit-url",
    templates: parsed.map((p) => (p.sha256 ? `${p.url}#sha256=${p.sha256}` : p.url)),
  };
}

const SAFE_VALUE = /^[A-Za-z0-9._+~:-]+$/;

/** Placeholder values for one package of a request; a value that is unknown is absent. */
export function templateValues(req: ResolveRequest, spec: HeaderPackageSpec): Record<string, string> {
  const arch = spec.arch === "host" ? req.hostArch : req.identity.arch;
  const isDeb = adapterFor(req.identity.distro).packageFormat === "deb";
  const debArch = spec.arch === "all" ? "all" : ARCH_FACTS[arch].deb;
  const rpmArch = spec.arch === "all" ? "noarch" : ARCH_FACTS[arch].rpm;
  const values: Record<string, string> = {
    name: spec.name,
    arch: isDeb ? debArch : rpmArch,
    debArch,
    rpmArch,
    upstream: req.identity.upstreamVersion,
  };
  const nvra = splitRpmRelease(req.identity.kernelRelease);
  if (spec.version) {
    const dash = spec.version.lastIndexOf("-");
    values.version = spec.version;
    if (!isDeb && dash > 0) {
      values.version = spec.version.slice(0, dash);
      values.release = spec.version.slice(dash + 1);
    }
  } else if (nvra && !isDeb && (spec.role === "headers" || spec.role === "common")) {
    values.version = nvra.upstreamVersion;
    values.release = nvra.release;
  }
  return values;
}

/**
 * Expands one template. Returns undefined when it names a placeholder with no value here (that link does not
 * apply to this package) or the result is not an http(s) URL.
 */
export function expandUrlTemplate(template: string, values: Record<string, string>): ExplicitUrl | undefined {
  let missing = false;
  const expanded = template.replace(/\{([a-zA-Z]+)\}/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined || !SAFE_VALUE.test(v)) {
      missing = true;
      return "";
    }
    // `+` and `~` are legal in package file names but `+` means space in some servers' decoding.
    return encodeURIComponent(v).replace(/%3A/gi, ":");
  });
  if (missing) return undefined;
  const r = headerUrlInputSchema.safeParse(expanded);
  return r.success ? r.data : undefined;
}
