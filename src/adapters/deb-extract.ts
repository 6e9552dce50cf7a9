import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { KmodforgeError } from "../core/errors.js";
import { runProcess } from "./run-process.js";

/**
 * Pulls single files out of a `.deb` without unpacking the whole package (a kernel image package holds hundreds
 * of MB of modules; the load test needs one 8 MB file). Uses `ar` + `tar`, which detect the payload compression.
 */
function checkMembers(members: readonly string[]): void {
  for (const member of members) {
    if (!/^\.\/[A-Za-z0-9_.+/-]+$/.test(member) || member.includes("..")) {
      throw new KmodforgeError("INVALID_INPUT", `unsafe member ${JSON.stringify(member)}`);
    }
  }
}

/** Unpacks the package's data payload (ar) into a scratch directory under `near`, runs `use`, removes it. */
async function withPayload<T>(
  debPath: string,
  near: string,
  use: (work: string, payload: string) => Promise<T>,
): Promise<T> {
  const list = await runProcess("ar", ["t", debPath], { timeoutMs: 60_000 });
  const payload = list.stdout
    .split("\n")
    .find((m) => /^data\.tar(\.\w+)?$/.test(m.trim()))
    ?.trim();
  if (list.code !== 0 || !payload)
    throw new KmodforgeError(
      "EXTERNAL_TOOL_FAILED",
      `${debPath} is not a Debian package (ar: ${list.stderr.trim()})`,
    );
  await mkdir(near, { recursive: true });
  const work = await mkdtemp(join(near, ".extract-"));
  try {
    const ar = await runProcess("ar", ["x", debPath, payload], { cwd: work, timeoutMs: 120_000 });
    if (ar.code !== 0)
      throw new KmodforgeError("EXTERNAL_TOOL_FAILED", `ar x ${debPath} failed: ${ar.stderr.trim()}`);
    return await use(work, payload);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function extractDebMember(
  debPath: string,
  members: string | readonly string[],
  outPath: string,
): Promise<void> {
  const wanted = typeof members === "string" ? [members] : members;
  checkMembers(wanted);
  await withPayload(debPath, dirname(outPath), async (work, payload) => {
    // Where a file lives can differ between releases (merged /usr moved /bin/busybox to /usr/bin/busybox).
    let member = wanted[0]!;
    if (wanted.length > 1) {
      const listing = await runProcess("tar", ["-t", "-f", payload], { cwd: work, timeoutMs: 300_000 });
      const present = new Set(listing.stdout.split("\n"));
      member = wanted.find((m) => present.has(m)) ?? member;
    }
    const tar = await runProcess("tar", ["-x", "-f", payload, member], { cwd: work, timeoutMs: 300_000 });
    if (tar.code !== 0) {
      throw new KmodforgeError(
        "EXTERNAL_TOOL_FAILED",
        `${wanted.join(" or ")} not extracted from ${debPath}: ${tar.stderr.trim()}`,
      );
    }
    await rename(join(work, member), outPath);
  });
}

/**
 * Extracts several files at once (one pass over the payload) into `outDir`, keeping their paths; every member
 * must be in the package.
 */
export async function extractDebMembers(
  debPath: string,
  members: readonly string[],
  outDir: string,
): Promise<void> {
  checkMembers(members);
  await withPayload(debPath, outDir, async (work, payload) => {
    const tar = await runProcess("tar", ["-x", "-f", payload, "-C", outDir, "--", ...members], {
      cwd: work,
      timeoutMs: 300_000,
    });
    if (tar.code !== 0)
      throw new KmodforgeError(
        "EXTERNAL_TOOL_FAILED",
        `${members.length} files not extracted from ${debPath}: ${tar.stderr.trim().slice(-800)}`,
      );
  });
}

/** The paths in the package's data payload (`./usr/…`), one per line. */
export async function listDebMembers(debPath: string): Promise<string> {
  return withPayload(debPath, dirname(debPath), async (work, payload) => {
    const tar = await runProcess("tar", ["-t", "-f", payload], {
      cwd: work,
      timeoutMs: 300_000,
      maxOutputBytes: 64 * 1024 * 1024,
    });
    if (tar.code !== 0)
      throw new KmodforgeError(
        "EXTERNAL_TOOL_FAILED",
        `cannot list ${debPath}: ${tar.stderr.trim().slice(-800)}`,
      );
    return tar.stdout;
  });
}
