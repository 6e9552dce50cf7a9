import { z } from "zod";
import { DISTROS } from "../../distros/adapter.js";
import { ARCHES } from "../arch.js";
import { parseJsonWith, type Validated } from "../validate.js";
import { headerProvenanceSchema } from "../verify/metadata.js";

/**
 * What the headers step hands to the rest of a build: the kernel, the verified header packages with their
 * provenance, and where they were extracted. Written as headers.json when the steps run in separate processes or
 * containers (Dagger), so it is validated wherever it is read.
 */
export const HEADERS_RECORD_SCHEMA_VERSION = 1;

export const headersRecordSchema = z.object({
  schemaVersion: z.literal(HEADERS_RECORD_SCHEMA_VERSION),
  identity: z.object({
    distro: z.enum(DISTROS),
    distroVersion: z.string(),
    arch: z.enum(ARCHES),
    kernelRelease: z.string(),
  }),
  /** The architecture the kbuild tools in the tree run on (the builder's). */
  builderArch: z.enum(ARCHES),
  packages: z.array(
    headerProvenanceSchema.extend({ role: z.enum(["headers", "common", "kbuild", "compiler"]) }),
  ),
  /** Where the packages were extracted (absolute, in the filesystem of whoever wrote the record). */
  treeRoot: z.string().startsWith("/"),
  /** The kernel build directory (what `make -C` takes), relative to treeRoot. */
  buildDir: z
    .string()
    .min(1)
    .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "a relative path inside the tree"),
});
export type HeadersRecord = z.infer<typeof headersRecordSchema>;

export function parseHeadersRecord(text: string, where: string): Validated<HeadersRecord> {
  return parseJsonWith(headersRecordSchema, text, where);
}
