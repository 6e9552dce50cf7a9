import { z } from "zod";
import { type FieldIssue, fail, InvalidInputError, ok, type Result } from "../errors.js";
import {
  type IdentityInput,
  type KernelIdentity,
  MAX_DRIVER_VERSION_LENGTH,
  MAX_RELEASE_LENGTH,
  parseIdentity,
} from "../identity.js";

/**
 * The body of `POST /build`, in the field names existing node loaders send. The schema is strict (an unknown field
 * is refused, so a typo never silently builds something else) and bounds every string before anything else looks at
 * it; the identity rules themselves are parseIdentity's, with its field-level errors renamed to these fields.
 */

/** HTTP field → identity field. */
const FIELDS = {
  kernel_version: "kernelRelease",
  architecture: "arch",
  distribution: "distro",
  distro_version: "distroVersion",
  driver_version: "driverVersion",
} as const satisfies Record<string, keyof IdentityInput>;

export const buildRequestSchema = z
  .object({
    kernel_version: z.string().min(1).max(MAX_RELEASE_LENGTH),
    architecture: z.string().min(1).max(16),
    distribution: z.string().min(1).max(32),
    distro_version: z.union([z.string().min(1).max(32), z.number().finite().nonnegative()]),
    driver_version: z.string().min(1).max(MAX_DRIVER_VERSION_LENGTH).optional(),
  })
  .strict();
export type BuildRequestBody = z.infer<typeof buildRequestSchema>;

export interface ParsedBuildRequest {
  identity: KernelIdentity;
  /** The driver version asked for, or the service's own when the request names none. */
  driverVersion: string;
}

function httpName(field: string): string {
  const found = Object.entries(FIELDS).find(([, id]) => id === field);
  return found ? found[0] : field;
}

/** parseIdentity's issues with the HTTP field names, so a client sees the name it sent. */
function renamed(issue: FieldIssue): FieldIssue {
  const field = httpName(issue.field);
  const message = issue.message.startsWith(`${issue.field}:`)
    ? `${field}:${issue.message.slice(issue.field.length + 1)}`
    : issue.message;
  return { ...issue, field, message };
}

function schemaIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => {
    const unknownKeys = i.code === "unrecognized_keys" ? i.keys : [];
    const field = unknownKeys.length > 0 ? unknownKeys.join(",") : String(i.path[0] ?? "body");
    const expected =
      unknownKeys.length > 0
        ? `only ${Object.keys(FIELDS).join(", ")}`
        : field in FIELDS
          ? `a value of the ${field} field as documented in docs/service.md`
          : "a JSON object";
    const what = unknownKeys.length > 0 ? "unknown field" : i.message;
    return {
      field,
      given: "",
      expected,
      message: `${field}: ${what}; expected ${expected}`,
    };
  });
}

/**
 * Validates a decoded JSON body: the strict shape first, then the identity (normalised: `bookworm` → 12, `amd64` →
 * x86_64). Every failure is an InvalidInputError naming the HTTP fields.
 */
export function parseBuildRequest(
  body: unknown,
  defaultDriverVersion: string,
): Result<ParsedBuildRequest, InvalidInputError> {
  const shape = buildRequestSchema.safeParse(body);
  if (!shape.success) return fail(new InvalidInputError(schemaIssues(shape.error)));
  const b = shape.data;
  const parsed = parseIdentity({
    kernelRelease: b.kernel_version,
    distro: b.distribution,
    distroVersion: b.distro_version,
    arch: b.architecture,
    driverVersion: b.driver_version ?? defaultDriverVersion,
  });
  if (!parsed.ok) return fail(new InvalidInputError(parsed.error.issues.map(renamed)));
  const driverVersion = parsed.value.driverVersion;
  if (!driverVersion) throw new RangeError("the service's driver version is missing");
  return ok({ identity: parsed.value, driverVersion });
}
