import { createHash } from "node:crypto";
import { DISTROS, type Distro } from "../distros/adapter.js";
import { ARCHES, type Arch } from "./arch.js";
import { type FieldIssue, fail, InvalidInputError, ok, type Result, showValue } from "./errors.js";
import { type IdentityKey, identityKey } from "./identity.js";

/**
 * Artifact names: one human-readable name per (module, driver version, identity) that is safe as a file name, a
 * GitHub release asset and an OCI tag: only [A-Za-z0-9._-], at most 128 characters, first character alphanumeric.
 *
 *   <module>_<driverVersion>_<distro>-<distroVersion>_<arch>_<kernelRelease>
 *   kmodtest_1.2.3_debian-12_x86-64_6.12.117_-deb12-amd64
 *
 * `_` separates fields; inside a field `_` starts an escape: `__` is `_`, `_-` is `+`, `_.HH` is the byte 0xHH of
 * the UTF-8 text. Every field starts with [A-Za-z0-9], so `_` followed by one is always a separator. The arch is
 * written `x86-64` to keep `_` for separators. The encoding is injective and reversible; names longer than 128
 * characters keep their first 109 characters (cut at an escape boundary) and end in `_.h` + 16 hex digits of
 * the SHA-256 of the full name, a sequence no untruncated name contains. The metadata JSON beside each artifact
 * (artifactMetadata) always carries the full identity.
 */

export const MAX_NAME_LENGTH = 128;
const HASH_HEX = 16;
const TRUNCATED_PREFIX = MAX_NAME_LENGTH - 3 - HASH_HEX;
export const MODULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ARCH_TOKEN: Record<Arch, string> = { x86_64: "x86-64", aarch64: "aarch64" };

export interface ArtifactNameInput {
  /** Kernel module name as modinfo reports it, e.g. `kmodtest`, `nvidia_drm`. */
  module: string;
  driverVersion: string;
  identity: IdentityKey;
}

export type ParsedArtifactName =
  | { truncated: false; module: string; driverVersion: string; identity: IdentityKey }
  | { truncated: true; prefix: string; hash: string };

const LITERAL = /[A-Za-z0-9.-]/;

/** Encodes one field: literal [A-Za-z0-9.-], `_` → `__`, `+` → `_-`, anything else byte-wise `_.HH`. */
export function escapeField(text: string): string {
  let out = "";
  for (const ch of text) {
    if (LITERAL.test(ch)) out += ch;
    else if (ch === "_") out += "__";
    else if (ch === "+") out += "_-";
    else for (const byte of Buffer.from(ch, "utf8")) out += `_.${byte.toString(16).padStart(2, "0")}`;
  }
  return out;
}

type Token =
  | { kind: "char"; text: string; raw: string }
  | { kind: "byte"; byte: number; raw: string }
  | { kind: "sep" }
  | { kind: "marker"; at: number };

/** Splits an encoded name into tokens; undefined when it holds something no encoder writes. */
function tokenize(name: string): Token[] | undefined {
  const tokens: Token[] = [];
  for (let i = 0; i < name.length; ) {
    const c = name[i]!;
    if (c !== "_") {
      if (!LITERAL.test(c)) return undefined;
      tokens.push({ kind: "char", text: c, raw: c });
      i += 1;
      continue;
    }
    const next = name[i + 1];
    if (next === "_") tokens.push({ kind: "char", text: "_", raw: "__" });
    else if (next === "-") tokens.push({ kind: "char", text: "+", raw: "_-" });
    else if (next === "." && name[i + 2] === "h") {
      tokens.push({ kind: "marker", at: i });
      return tokens;
    } else if (next === "." && /^[0-9a-f]{2}$/.test(name.slice(i + 2, i + 4))) {
      tokens.push({
        kind: "byte",
        byte: Number.parseInt(name.slice(i + 2, i + 4), 16),
        raw: name.slice(i, i + 4),
      });
      i += 4;
      continue;
    } else if (next !== undefined && /[A-Za-z0-9]/.test(next)) {
      tokens.push({ kind: "sep" });
      i += 1;
      continue;
    } else return undefined;
    i += 2;
  }
  return tokens;
}

function issue(field: string, given: string, expected: string): FieldIssue {
  return {
    field,
    given,
    expected,
    message: `${field}: invalid value ${showValue(given)}; expected ${expected}`,
  };
}

function checkInput(input: ArtifactNameInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (typeof input.module !== "string" || !MODULE_NAME.test(input.module)) {
    issues.push(
      issue(
        "module",
        String(input.module),
        "a module name of [A-Za-z0-9_-], starting with a letter or digit, at most 64 characters",
      ),
    );
  }
  const safe = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}$/;
  if (
    typeof input.driverVersion !== "string" ||
    !safe.test(input.driverVersion) ||
    input.driverVersion.includes("..")
  ) {
    issues.push(
      issue("driverVersion", String(input.driverVersion), "a version such as 1.2.3 or 8.0.0+driver"),
    );
  }
  const id = input.identity;
  if (!DISTROS.includes(id.distro))
    issues.push(issue("distro", String(id.distro), `one of ${DISTROS.join(", ")}`));
  if (!/^[0-9][0-9.]*$/.test(id.distroVersion))
    issues.push(issue("distroVersion", String(id.distroVersion), "a normalised distribution version"));
  if (!ARCHES.includes(id.arch)) issues.push(issue("arch", String(id.arch), `one of ${ARCHES.join(", ")}`));
  if (!safe.test(id.kernelRelease))
    issues.push(issue("kernelRelease", String(id.kernelRelease), "a validated kernel release"));
  return issues;
}

function fullName(input: ArtifactNameInput): string {
  const id = input.identity;
  return [
    input.module,
    input.driverVersion,
    `${id.distro}-${id.distroVersion}`,
    ARCH_TOKEN[id.arch],
    id.kernelRelease,
  ]
    .map(escapeField)
    .join("_");
}

/** Cuts an encoded name to at most `limit` characters on a token boundary, never ending on a separator. */
function cut(name: string, limit: number): string {
  const tokens = tokenize(name) ?? [];
  let out = "";
  for (const t of tokens) {
    const raw = t.kind === "sep" ? "_" : t.kind === "marker" ? "" : t.raw;
    if (out.length + raw.length > limit) break;
    out += raw;
  }
  return out.replace(/_$/, "");
}

/** The artifact name of a build (see the module comment for the format). Invalid fields are reported, not thrown. */
export function artifactName(input: ArtifactNameInput): Result<string, InvalidInputError> {
  const issues = checkInput(input);
  if (issues.length) return fail(new InvalidInputError(issues));
  const name = fullName(input);
  if (name.length <= MAX_NAME_LENGTH) return ok(name);
  const hash = createHash("sha256").update(name).digest("hex").slice(0, HASH_HEX);
  return ok(`${cut(name, TRUNCATED_PREFIX)}_.h${hash}`);
}

function decodeField(tokens: Token[]): string {
  const bytes: number[] = [];
  for (const t of tokens) {
    if (t.kind === "char") bytes.push(...Buffer.from(t.text, "utf8"));
    else if (t.kind === "byte") bytes.push(t.byte);
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Reads an artifact name back. Truncated names give their prefix and hash; the identity is in the metadata. */
export function parseArtifactName(name: string): ParsedArtifactName | undefined {
  if (name.length > MAX_NAME_LENGTH) return undefined;
  const tokens = tokenize(name);
  if (!tokens) return undefined;
  const last = tokens.at(-1);
  if (last?.kind === "marker") {
    const hash = name.slice(last.at + 3);
    if (!new RegExp(`^[0-9a-f]{${HASH_HEX}}$`).test(hash)) return undefined;
    return { truncated: true, prefix: name.slice(0, last.at), hash };
  }
  const fields: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === "sep") fields.push([]);
    else fields.at(-1)!.push(t);
  }
  if (fields.length !== 5) return undefined;
  const [module, driverVersion, distroPart, archToken, kernelRelease] = fields.map(decodeField) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const dash = distroPart.indexOf("-");
  const distro = distroPart.slice(0, dash) as Distro;
  const arch = (Object.entries(ARCH_TOKEN).find(([, t]) => t === archToken)?.[0] ?? "") as Arch;
  const identity: IdentityKey = { distro, distroVersion: distroPart.slice(dash + 1), arch, kernelRelease };
  const parsed = { truncated: false as const, module, driverVersion, identity: identityKey(identity) };
  return dash > 0 && checkInput(parsed).length === 0 && fullName(parsed) === name ? parsed : undefined;
}

/** The metadata JSON stored beside every artifact: the name and everything it was made from, unescaped. */
export function artifactMetadata(input: ArtifactNameInput, name: string): Record<string, unknown> {
  return {
    schemaVersion: 1,
    artifactName: name,
    module: input.module,
    driverVersion: input.driverVersion,
    identity: identityKey({ ...input.identity, driverVersion: input.driverVersion }),
  };
}
