import { spawn } from "node:child_process";
import { createGunzip } from "node:zlib";
import type { IndexCompression } from "../../core/headers/repomd.js";
import type { MissReason } from "../../core/headers/types.js";

/**
 * Streams a compressed index through a decompressor into a consumer, stopping at a size cap. gzip uses zlib;
 * zstd, xz and bzip2 spawn the system tool with an argument array (no shell) reading stdin.
 */

export type DecompressResult =
  | { ok: true; bytes: number }
  | { ok: false; reason: MissReason; detail: string };

const TOOLS: Record<Exclude<IndexCompression, "gz" | "none">, string> = {
  zst: "zstd",
  xz: "xz",
  bz2: "bzip2",
};

export function decompressInto(
  data: Buffer,
  compression: IndexCompression,
  maxBytes: number,
  onChunk: (chunk: Buffer) => void,
  timeoutMs = 120_000,
): Promise<DecompressResult> {
  if (compression === "none") {
    if (data.length > maxBytes)
      return Promise.resolve({ ok: false, reason: "too-large", detail: `index exceeds ${maxBytes} bytes` });
    onChunk(data);
    return Promise.resolve({ ok: true, bytes: data.length });
  }
  return new Promise((resolve) => {
    let total = 0;
    let settled = false;
    const done = (r: DecompressResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      stop();
      done({ ok: false, reason: "timeout", detail: `decompression exceeded ${timeoutMs} ms` });
    }, timeoutMs);
    let stop = () => {};
    const onData = (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > maxBytes) {
        stop();
        done({ ok: false, reason: "too-large", detail: `unpacked index exceeds ${maxBytes} bytes` });
        return;
      }
      onChunk(chunk);
    };
    const onEnd = () => {
      done({ ok: true, bytes: total });
    };
    if (compression === "gz") {
      const gunzip = createGunzip();
      stop = () => gunzip.destroy();
      gunzip.on("data", onData);
      gunzip.on("end", onEnd);
      gunzip.on("error", (e) => done({ ok: false, reason: "malformed", detail: `gzip: ${e.message}` }));
      gunzip.end(data);
      return;
    }
    const child = spawn(TOOLS[compression], ["-dc"], { stdio: ["pipe", "pipe", "pipe"] });
    stop = () => child.kill("SIGKILL");
    let stderr = "";
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => {
      if (stderr.length < 2000) stderr += c.toString();
    });
    child.on("error", (e) =>
      done({ ok: false, reason: "malformed", detail: `${TOOLS[compression]}: ${e.message}` }),
    );
    child.on("close", (code) => {
      if (code === 0) onEnd();
      else
        done({
          ok: false,
          reason: "malformed",
          detail: `${TOOLS[compression]} exited ${code}: ${stderr.trim()}`,
        });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(data);
  });
}
