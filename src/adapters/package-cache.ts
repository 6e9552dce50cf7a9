import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ChecksumMismatchError, KmodforgeError } from "../core/errors.js";
import type { HttpClient, PackageCandidate } from "../core/headers/types.js";
import { cacheSubdir } from "./cache-dir.js";
import { assertSuccess, createHttpClient } from "./http.js";
import { tempBeside } from "./temp-name.js";

/**
 * Content-addressed cache of downloaded packages: a file lives at `<dir>/<sha256>/<file name>` and is only ever
 * written whole (temp file + rename) after its hash matched. A mismatch is a hard error; nothing unverified is used
 * unless the caller allows it, and only a 2xx answer (after redirects) is ever taken for the file.
 */

export interface FetchOptions {
  cacheDir?: string;
  http?: HttpClient;
  allowUnverified?: boolean;
}

export interface FetchedPackage {
  candidate: PackageCandidate;
  path: string;
  sha256: string;
}

const fileNameOf = (url: string) => {
  const name = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
  if (!/^[A-Za-z0-9][A-Za-z0-9._+~%-]*$/.test(name))
    throw new KmodforgeError("INVALID_INPUT", `unsafe package file name in ${url}`);
  return name;
};

export async function fetchPackage(
  candidate: PackageCandidate,
  options: FetchOptions = {},
): Promise<FetchedPackage> {
  const dir = options.cacheDir ?? cacheSubdir("packages");
  const name = fileNameOf(candidate.url);
  if (candidate.sha256) {
    const cached = join(dir, candidate.sha256, name);
    if (existsSync(cached)) return { candidate, path: cached, sha256: candidate.sha256 };
  } else if (!options.allowUnverified) {
    throw new KmodforgeError(
      "UNVERIFIED_SOURCE_REFUSED",
      `refusing ${candidate.url}: no checksum is known for it`,
      { url: candidate.url },
    );
  }
  const http = options.http ?? createHttpClient();
  const res = await http.get(candidate.url, { timeoutMs: 300_000 });
  assertSuccess(res);
  const actual = createHash("sha256").update(res.body).digest("hex");
  if (candidate.sha256 && actual !== candidate.sha256)
    throw new ChecksumMismatchError(candidate.url, candidate.sha256, actual);
  const final = join(dir, actual, name);
  await mkdir(join(dir, actual), { recursive: true });
  const temp = tempBeside(final, "part");
  try {
    await writeFile(temp, res.body);
    await rename(temp, final);
  } finally {
    await rm(temp, { force: true });
  }
  return { candidate, path: final, sha256: actual };
}
