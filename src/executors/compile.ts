import { mkdir, rmdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { runProcess } from "../adapters/run-process.js";
import type { Arch } from "../core/arch.js";
import { KmodforgeError } from "../core/errors.js";
import { scriptsDir } from "./build-scripts.js";

/**
 * Runs scripts/compile-module.sh on this host, or inside a toolchain root (a debootstrapped root of the kernel's
 * own suite) through chroot with bind mounts — the same thing a builder container of that suite does.
 */

export interface CompileRequest {
  treeRoot: string;
  buildDir: string;
  moduleDir: string;
  outDir: string;
  arch: Arch;
  toolchainRoot?: string;
  allowCompilerMismatch?: boolean;
}

const env = (allow?: boolean) => ({ ...process.env, ...(allow ? { KMODFORGE_ALLOW_CC_MISMATCH: "1" } : {}) });

function failure(code: number | null, stderr: string): KmodforgeError {
  const text = stderr.trim().slice(-4000);
  if (code === 6) return new KmodforgeError("COMPILER_MISMATCH", text);
  if (code === 7) return new KmodforgeError("COMPILE_FAILED", text);
  return new KmodforgeError("EXTERNAL_TOOL_FAILED", `compile step exited ${code}: ${text}`);
}

export async function compileModule(req: CompileRequest): Promise<void> {
  if (!req.toolchainRoot) {
    const r = await runProcess(
      "sh",
      [join(scriptsDir(), "compile-module.sh"), req.buildDir, req.moduleDir, req.outDir, req.arch],
      {
        timeoutMs: 900_000,
        env: env(req.allowCompilerMismatch),
      },
    );
    if (r.code !== 0) throw failure(r.code, r.stderr);
    return;
  }
  const id = `${process.pid}-${Date.now()}`;
  const inside = `/kmodforge/${id}`;
  const mounts: Array<[string, string]> = [
    [req.treeRoot, `${inside}/tree`],
    [req.moduleDir, `${inside}/src`],
    [req.outDir, `${inside}/out`],
    [scriptsDir(), `${inside}/scripts`],
  ];
  await mkdir(req.outDir, { recursive: true });
  const mounted: string[] = [];
  try {
    for (const [from, to] of mounts) {
      const target = join(req.toolchainRoot, to);
      await mkdir(target, { recursive: true });
      const m = await runProcess("mount", ["--bind", from, target], { timeoutMs: 30_000 });
      if (m.code !== 0)
        throw new KmodforgeError(
          "EXTERNAL_TOOL_FAILED",
          `mount --bind ${from} ${target}: ${m.stderr.trim()}`,
        );
      mounted.push(target);
    }
    const tree = `${inside}/tree/${relative(req.treeRoot, req.buildDir)}`;
    const r = await runProcess(
      "chroot",
      [
        req.toolchainRoot,
        "/bin/sh",
        `${inside}/scripts/compile-module.sh`,
        tree,
        `${inside}/src`,
        `${inside}/out`,
        req.arch,
      ],
      {
        timeoutMs: 900_000,
        env: {
          ...env(req.allowCompilerMismatch),
          PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        },
      },
    );
    if (r.code !== 0) throw failure(r.code, r.stderr);
  } finally {
    for (const target of mounted.reverse()) await runProcess("umount", ["-l", target], { timeoutMs: 30_000 });
    // Only empty mount points are removed: a recursive delete through a mount that failed to detach would delete
    // the caller's files.
    for (const [, to] of mounts) await rmdir(join(req.toolchainRoot, to)).catch(() => undefined);
    await rmdir(join(req.toolchainRoot, inside)).catch(() => undefined);
  }
}
