import type { z } from "zod";

/**
 * Reading JSON that crossed a process or machine boundary: parsed, validated against its schema, and on failure one
 * message that names where it came from and the first field that is wrong.
 */
export type Validated<T> = { ok: true; value: T } | { ok: false; message: string };

/** The first problem of a failed validation as `path: message`. */
export function firstIssue(error: z.ZodError): string {
  const first = error.issues[0];
  return `${first?.path.join(".") || "(root)"}: ${first?.message ?? "invalid"}`;
}

export function parseJsonWith<S extends z.ZodType>(
  schema: S,
  text: string,
  where: string,
): Validated<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `${where}: not JSON: ${(err as Error).message}` };
  }
  const r = schema.safeParse(json);
  return r.success ? { ok: true, value: r.data } : { ok: false, message: `${where}: ${firstIssue(r.error)}` };
}
