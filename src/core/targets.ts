import { type Document, isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { DISTROS } from "../distros/adapter.js";
import { ARCHES } from "./arch.js";
import { KmodforgeError } from "./errors.js";

/**
 * The supported-target policy (targets/*.yaml): which distribution versions and arches kmodforge builds for,
 * which builder image each uses, where its headers come from (an ordered fallback chain) and what compiler its
 * kernels expect. Pure: callers pass file text, this returns validated data or an error naming file and line.
 */

/**
 * An OCI image reference: [registry[:port]/]path[:tag][@sha256:digest], lowercase path components. The pattern
 * follows the distribution reference grammar closely enough to refuse anything a container tool would.
 */
export const IMAGE_REFERENCE =
  /^(?:[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

const url = z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[^\s]*)?$/, "an http(s) URL");
const relTemplate = z.string().min(1);

/** One link of a header source chain. Order in the YAML is the order links are tried. */
export const headerSourceSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("apt"),
    /** `host` = the repositories apt is configured with on the build host or in the builder image. */
    mirrors: z
      .array(z.union([z.literal("host"), url]))
      .min(1)
      .default(["host"]),
    suites: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1),
    components: z
      .array(z.string().regex(/^[a-z0-9/-]+$/))
      .min(1)
      .default(["main"]),
    /** Keyring used to verify InRelease; absent = use the one apt is configured with, when installed. */
    keyring: z.string().optional(),
  }),
  z.object({
    kind: z.literal("rpm-repo"),
    /** Repository base URLs (with `$basearch`/`$releasever` substitution) or mirror-list URLs. */
    baseurls: z.array(relTemplate).default([]),
    mirrorlists: z.array(relTemplate).default([]),
    releasevers: z.array(z.string()).optional(),
  }),
  z.object({
    kind: z.literal("explicit-url"),
    /** URL templates with {name} {version} {release} {arch} {debArch} {upstream} placeholders. */
    templates: z.array(relTemplate).min(1),
  }),
  z.object({ kind: z.literal("koji"), hub: url, signedKeys: z.array(z.string()).default([]) }),
  z.object({ kind: z.literal("debian-snapshot"), base: url }),
  z.object({
    kind: z.literal("launchpad"),
    api: url,
    /** The Launchpad distribution whose archive holds the builds (its name on Launchpad). */
    archive: z.string().regex(/^[a-z0-9-]+$/),
  }),
  z.object({
    kind: z.literal("vault"),
    baseurls: z.array(relTemplate).min(1),
    /** Point releases tried in order when the kernel's family cannot tell which one holds it. */
    minors: z.array(z.string()).default([]),
    /** Point release → the vault's directory for it, where they differ (`7.9` → `7.9.2009`). */
    directories: z.record(z.string(), z.string().regex(/^[A-Za-z0-9._-]+$/)).optional(),
  }),
]);
export type HeaderSource = z.infer<typeof headerSourceSchema>;

export const compilerSchema = z.object({
  /** Compiler family the distribution's kernels are built with. */
  family: z.enum(["gcc", "clang"]).default("gcc"),
  /** Major version the image's default compiler has, e.g. 12. */
  defaultMajor: z.number().int().positive(),
  /** Kernel lines that need another compiler than the default (package name and binary). */
  lines: z
    .array(
      z.object({
        kernel: z.string().regex(/^\d+\.\d+$/, "a kernel line such as 5.10"),
        major: z.number().int().positive(),
        package: z.string().optional(),
        binary: z.string().optional(),
      }),
    )
    .default([]),
});

export const versionTargetSchema = z.object({
  version: z.string().regex(/^[0-9][0-9.]*$/, "a distribution version such as 12, 22.04, 9"),
  codename: z.string().optional(),
  arches: z.array(z.enum(ARCHES)).min(1),
  /** Base image of the family's builder Dockerfile for this version (the Dockerfile's BASE_IMAGE). */
  builderImage: z.string().regex(IMAGE_REFERENCE, "an image reference such as registry/name:tag"),
  compiler: compilerSchema,
  flavours: z.array(z.string()).optional(),
  minKernel: z
    .string()
    .regex(/^\d+\.\d+(\.\d+)?$/)
    .optional(),
  pins: z.array(z.string()).default([]),
  exclude: z.array(z.string()).default([]),
  headerSources: z.array(headerSourceSchema).min(1),
  eol: z.string().optional(),
});
export type VersionTarget = z.infer<typeof versionTargetSchema>;

export const targetsFileSchema = z.object({
  distro: z.enum(DISTROS),
  versions: z.array(versionTargetSchema).min(1),
});
export type TargetsFile = z.infer<typeof targetsFileSchema>;

export class TargetsError extends KmodforgeError {
  constructor(file: string, line: number, path: string, message: string) {
    super("CONFIG_INVALID", `${file}:${line}: ${path ? `${path}: ` : ""}${message}`, { file, line, path });
    this.name = "TargetsError";
  }
}

function lineOfPath(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number {
  let node: unknown = doc.contents;
  let lastRange: [number, number, number] | undefined;
  for (const key of path) {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) lastRange = range;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
      if (!pair) break;
      node = pair.value ?? pair.key;
      const keyRange = (pair.key as { range?: [number, number, number] }).range;
      if (keyRange) lastRange = keyRange;
    } else if (isSeq(node) && typeof key === "number") {
      node = node.items[key];
    } else break;
  }
  const range = (node as { range?: [number, number, number] } | null)?.range ?? lastRange;
  return range ? counter.linePos(range[0]).line : 1;
}

/** Parses one targets file. Throws TargetsError with the file and line of the first problem. */
export function parseTargetsFile(file: string, text: string): TargetsFile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new TargetsError(file, counter.linePos(e.pos[0]).line, "", e.message);
  }
  const result = targetsFileSchema.safeParse(doc.toJS());
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new TargetsError(file, lineOfPath(doc, counter, first.path), first.path.join("."), first.message);
  }
  return result.data;
}

export interface TargetsPolicy {
  files: TargetsFile[];
}

/** Finds the policy entry for a distro version. */
export function findTarget(
  policy: TargetsPolicy,
  distro: string,
  version: string,
): VersionTarget | undefined {
  return policy.files.find((f) => f.distro === distro)?.versions.find((v) => v.version === version);
}

/** The compiler a kernel line needs under a target: a listed line's override, else the target's default. */
export function compilerFor(
  target: VersionTarget,
  upstreamVersion: string,
): { family: "gcc" | "clang"; major: number } {
  const line = /^(\d+\.\d+)/.exec(upstreamVersion)?.[1];
  const override = target.compiler.lines.find((l) => l.kernel === line);
  return { family: target.compiler.family, major: override?.major ?? target.compiler.defaultMajor };
}
