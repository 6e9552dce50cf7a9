import type { ArtifactRef, BuildRecord, BuildStatus } from "./build-record.js";

/**
 * What the service answers, in two forms of the same fields: JSON for programs, and `text/plain` lines of
 * `<key> <value…>` for the POSIX shell loader, which has no JSON parser (docs/service.md lists both). Every value in
 * the text form is a validated token or URL without spaces, except `detail`, which is one line and always last.
 */

export interface ServiceAnswer {
  status: BuildStatus;
  build_id?: string;
  /** 202 answers: where to poll. */
  status_url?: string;
  /** True when the request joined a build another request started. */
  deduplicated?: boolean;
  kernel?: string;
  driver_version?: string;
  /** succeeded: the first module's URL and SHA-256 (every file is in `files`). */
  url?: string;
  sha256?: string;
  artifact?: string;
  index?: string;
  generation?: number;
  files?: Array<{ role: string; file: string; module?: string; url: string; sha256: string; size: number }>;
  reason?: string;
  detail?: string;
  log_url?: string;
  /** failed / timed_out: when a new build may be asked for (ISO 8601), and the seconds until then. */
  retry_after?: string;
  retry_after_seconds?: number;
  created_at?: string;
  updated_at?: string;
}

export function artifactAnswer(artifact: ArtifactRef): ServiceAnswer {
  const first = artifact.files.find((f) => f.role === "module") ?? artifact.files[0];
  return {
    status: "succeeded",
    artifact: artifact.name,
    driver_version: artifact.driverVersion,
    ...(first ? { url: first.url, sha256: first.sha256 } : {}),
    index: artifact.index,
    generation: artifact.generation,
    files: artifact.files.map((f) => ({
      role: f.role,
      file: f.file,
      ...(f.module ? { module: f.module } : {}),
      url: f.url,
      sha256: f.sha256,
      size: f.size,
    })),
  };
}

export function recordAnswer(record: BuildRecord, now: Date): ServiceAnswer {
  const base: ServiceAnswer = {
    status: record.status,
    build_id: record.id,
    status_url: `/status/${record.id}`,
    kernel: record.identity.kernelRelease,
    driver_version: record.driverVersion,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    ...(record.run ? { log_url: record.run.url } : {}),
  };
  if (record.status === "succeeded" && record.artifact)
    return { ...base, ...artifactAnswer(record.artifact), build_id: record.id };
  if (record.failure) {
    const wait = record.retryAfter ? Math.max(0, Date.parse(record.retryAfter) - now.getTime()) : 0;
    return {
      ...base,
      reason: record.failure.reason,
      detail: record.failure.detail,
      ...(record.failure.logUrl ? { log_url: record.failure.logUrl } : {}),
      ...(record.retryAfter
        ? { retry_after: record.retryAfter, retry_after_seconds: Math.ceil(wait / 1000) }
        : {}),
    };
  }
  return base;
}

const SCALARS = [
  "status",
  "build_id",
  "status_url",
  "kernel",
  "driver_version",
  "artifact",
  "url",
  "sha256",
  "index",
  "generation",
  "reason",
  "log_url",
  "retry_after",
  "retry_after_seconds",
] as const;

/** The text form: one `key value` line per field, one `file role module sha256 size name url` line per file (module
 * `-` for files that are not modules), detail last. */
export function answerText(answer: ServiceAnswer): string {
  const lines: string[] = [];
  for (const key of SCALARS) {
    const value = answer[key];
    if (value !== undefined) lines.push(`${key} ${String(value).replace(/\s+/g, "%20")}`);
  }
  for (const f of answer.files ?? [])
    lines.push(`file ${f.role} ${f.module ?? "-"} ${f.sha256} ${f.size} ${f.file} ${f.url}`);
  if (answer.detail) lines.push(`detail ${answer.detail.replace(/[\r\n\t]+/g, " ")}`);
  return `${lines.join("\n")}\n`;
}

/** An error answer: the code, the message and, for bad input, every field at fault. */
export interface ErrorAnswer {
  error: { code: string; message: string; issues?: ReadonlyArray<{ field: string; message: string }> };
}

export function errorText(answer: ErrorAnswer): string {
  const lines = [`error ${answer.error.code}`];
  for (const i of answer.error.issues ?? []) lines.push(`field ${i.field} ${i.message.replace(/\s+/g, " ")}`);
  lines.push(`message ${answer.error.message.replace(/\s+/g, " ")}`);
  return `${lines.join("\n")}\n`;
}
