import { InvalidInputError } from "./errors.js";

/**
 * Store URLs, shared by the state store (`--state`) and the artifact store (`--store`, `--publish`):
 * `file://<dir>` (relative or absolute; also a bare path), `s3://<bucket>/<prefix>` and, for artifacts,
 * `github:<owner>/<repo>`.
 */
export type StoreLocation =
  | { kind: "file"; path: string }
  | { kind: "s3"; bucket: string; prefix: string }
  | { kind: "github"; owner: string; repo: string };

export function parseStoreUrl(url: string, options: { field: string; github: boolean }): StoreLocation {
  const expected = `file://<dir>, s3://<bucket>/<prefix>${options.github ? " or github:<owner>/<repo>" : ""}`;
  const bad = () =>
    new InvalidInputError([
      {
        field: options.field,
        given: url,
        expected,
        message: `${options.field}: unsupported store URL ${JSON.stringify(url)}; expected ${expected}`,
      },
    ]);
  if (url.startsWith("s3://")) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/([A-Za-z0-9._/-]*))?$/.exec(url);
    if (!m || m[2]?.includes("..")) throw bad();
    return { kind: "s3", bucket: m[1]!, prefix: (m[2] ?? "").replace(/^\/+|\/+$/g, "") };
  }
  if (url.startsWith("github:")) {
    const m = /^github:([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})$/.exec(url);
    if (!options.github || !m || m[2] === "." || m[2] === "..") throw bad();
    return { kind: "github", owner: m[1]!, repo: m[2]! };
  }
  if (url.startsWith("file:///"))
    return { kind: "file", path: decodeURIComponent(url.slice("file://".length)) };
  if (url.startsWith("file://")) return { kind: "file", path: url.slice("file://".length) };
  if (url === "" || /^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw bad();
  return { kind: "file", path: url };
}
