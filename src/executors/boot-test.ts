import { mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../adapters/run-process.js";
import { ARCH_FACTS, type Arch } from "../core/arch.js";
import { type BootOutcome, parseBootOutput } from "../core/boot/boot-result.js";
import { LoadOrderError, loadOrder } from "../core/boot/load-order.js";
import { qemuCommand } from "../core/boot/qemu-command.js";
import { KmodforgeError } from "../core/errors.js";
import { buildInitramfs, type LoadableModule, type LoaderInput, readLoadableModule } from "./initramfs.js";

/**
 * The load test: boots a real kernel image under QEMU (software emulation) with a tiny initramfs that loads the
 * modules, exercises them, unloads them and reports; then reads the serial console back into a structured result.
 * A module that compiles is not a module that loads: this is the check that proves it does, in that kernel.
 */

export interface BootTestOptions {
  /** Kernel image to boot (`vmlinuz-<release>`). */
  kernelImage: string;
  arch: Arch;
  /**
   * Module files, `.ko` or `.ko.xz`. They are loaded in dependency order (each after the modules its `depends=`
   * names; independent ones in the order given) and unloaded in reverse; every dependency must be among them.
   */
  modules: readonly string[];
  /** Statically linked busybox for `arch`. */
  busybox: string;
  /** Shell script run in the guest after loading (init-script.ts EXERCISE_IN_SOURCE says what it gets); none by default. */
  exerciseScript?: string;
  exerciseTimeoutSec?: number;
  /** Hard limit for the whole boot; QEMU is killed when it is reached. */
  timeoutMs?: number;
  memoryMiB?: number;
  /** When set, the guest must report this `uname -r`. */
  expectedRelease?: string;
  /** Where the full serial log is written; kept only when given. */
  serialLogPath?: string;
  /**
   * Load through the node loader (scripts/kmodforge-loader.sh) as a node would: the script and the artifact
   * directory go into the initramfs and the guest runs `kmodforge-loader --from-dir` (verify, decompress, insmod)
   * instead of insmod-ing `modules`, which must be that directory's modules (they name what is reported).
   */
  loader?: { script: string; artifactDir: string };
}

export interface BootTestResult extends BootOutcome {
  arch: Arch;
  kernelImage: string;
  modulesGiven: Array<
    Pick<
      LoadableModule,
      "file" | "name" | "compressed" | "vermagic" | "version" | "elfMachine" | "machineMatches"
    >
  >;
  qemu: { binary: string; args: string[]; exitCode: number | null; signal: string | null; timedOut: boolean };
  durationMs: number;
  /** Last lines of the serial console, for reports. */
  serialTail: string[];
  serialLogPath?: string;
}

export const DEFAULT_BOOT_TIMEOUT_MS = 180_000;
/** Console bytes kept (the tail: a guest that floods its console is reported by how it ended). */
const CONSOLE_LIMIT_BYTES = 16 * 1024 * 1024;

/** The last `limit` bytes of the console file QEMU wrote; empty when QEMU never created it. */
async function readConsole(path: string, limit = CONSOLE_LIMIT_BYTES): Promise<string> {
  const file = await open(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (!file) return "";
  try {
    const { size } = await file.stat();
    const length = Math.min(size, limit);
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    return buffer.toString("utf8");
  } finally {
    await file.close();
  }
}

/** Reads the modules and puts them in load order; a dependency that is not among them is an error naming it. */
export async function modulesInLoadOrder(files: readonly string[], arch: Arch): Promise<LoadableModule[]> {
  const given: LoadableModule[] = [];
  for (const file of files) given.push(await readLoadableModule(file, arch));
  try {
    const { order, missing } = loadOrder(given);
    if (missing.length)
      throw new KmodforgeError(
        "INVALID_INPUT",
        `the modules depend on ${missing.join(", ")}, which ${missing.length > 1 ? "are" : "is"} not given; pass ${missing.length > 1 ? "them" : "it"} with --module`,
        { missing },
      );
    return order.map((i) => given[i]!);
  } catch (err) {
    if (err instanceof LoadOrderError) throw new KmodforgeError("INVALID_INPUT", err.message);
    throw err;
  }
}

/** The loader script and every regular file of the artifact directory, as they go into the guest. */
async function readLoaderInput(loader: NonNullable<BootTestOptions["loader"]>): Promise<LoaderInput> {
  const entries = await readdir(loader.artifactDir, { withFileTypes: true });
  const files = [];
  for (const e of entries.filter((e) => e.isFile()))
    files.push({ name: e.name, data: await readFile(join(loader.artifactDir, e.name)) });
  return { script: await readFile(loader.script), files };
}

/** Boots once and reports. Never throws for a module the kernel rejects: that is a result with ok=false. */
export async function runBootTest(options: BootTestOptions): Promise<BootTestResult> {
  if (options.modules.length === 0) throw new KmodforgeError("INVALID_INPUT", "no module given to load");
  const modules = await modulesInLoadOrder(options.modules, options.arch);
  const busybox = await readFile(options.busybox).catch((err: Error) => {
    throw new KmodforgeError("INVALID_INPUT", `busybox ${options.busybox}: ${err.message}`);
  });
  const initramfs = buildInitramfs({
    busybox,
    modules,
    ...(options.loader ? { loader: await readLoaderInput(options.loader) } : {}),
    ...(options.exerciseScript !== undefined ? { exerciseScript: options.exerciseScript } : {}),
    ...(options.exerciseTimeoutSec !== undefined ? { exerciseTimeoutSec: options.exerciseTimeoutSec } : {}),
  });
  const work = await mkdtemp(join(tmpdir(), "kmodforge-boot-"));
  try {
    const initrdPath = join(work, "initrd.gz");
    const consolePath = join(work, "console.log");
    await writeFile(initrdPath, initramfs);
    const cmd = qemuCommand({
      arch: options.arch,
      kernelPath: options.kernelImage,
      initrdPath,
      consolePath,
      ...(options.memoryMiB !== undefined ? { memoryMiB: options.memoryMiB } : {}),
    });
    const timeoutMs = options.timeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
    // A missing QEMU surfaces as EXTERNAL_TOOL_FAILED naming the binary (qemu-system-x86 / qemu-system-arm).
    const run = await runProcess(cmd.binary, cmd.args, { timeoutMs, maxOutputBytes: 1024 * 1024 });
    const serial = (await readConsole(consolePath)) + run.stdout + (run.stderr ? `\n${run.stderr}` : "");
    if (options.serialLogPath) await writeFile(options.serialLogPath, serial);
    const outcome = parseBootOutput(
      serial,
      modules.map((m) => m.name),
      {
        exercise: options.exerciseScript !== undefined,
        timedOut: run.timedOut,
        timeoutMs,
        exitCode: run.code,
        signal: run.signal,
      },
    );
    const extra: string[] = [];
    if (outcome.booted && options.expectedRelease && outcome.guestRelease !== options.expectedRelease) {
      extra.push(`the guest runs ${outcome.guestRelease}, not ${options.expectedRelease}`);
    }
    for (const m of modules) {
      if (!m.machineMatches)
        extra.push(
          `${m.file}: ELF machine ${m.elfMachine} is not ${ARCH_FACTS[options.arch].elfMachineName}`,
        );
    }
    if (!outcome.booted && run.code !== 0 && run.stderr.trim())
      extra.push(`${cmd.binary}: ${run.stderr.trim().split("\n").slice(-3).join(" / ")}`);
    const failures = [...extra, ...outcome.failures];
    return {
      ...outcome,
      ok: failures.length === 0,
      failures,
      arch: options.arch,
      kernelImage: options.kernelImage,
      modulesGiven: modules.map(({ bytes: _bytes, ...rest }) => rest),
      qemu: {
        binary: cmd.binary,
        args: cmd.args,
        exitCode: run.code,
        signal: run.signal,
        timedOut: run.timedOut,
      },
      durationMs: run.ms,
      serialTail: serial.replace(/\r/g, "").split("\n").slice(-80),
      ...(options.serialLogPath ? { serialLogPath: options.serialLogPath } : {}),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
