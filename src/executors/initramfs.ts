import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { gzipSync } from "node:zlib";
import { readModuleBytes } from "../adapters/module-files.js";
import { ARCH_FACTS, type Arch } from "../core/arch.js";
import {
  ARTIFACT_PATH,
  HELPERS_PATH,
  HELPERS_SCRIPT,
  LOADER_PATH,
  renderInitScript,
} from "../core/boot/init-script.js";
import { parseDepends } from "../core/boot/load-order.js";
import { type CpioEntry, writeCpioNewc } from "../core/cpio.js";
import { modinfoTag, NotAModuleError, readModuleElf } from "../core/elf-modinfo.js";
import { KmodforgeError } from "../core/errors.js";

/** A module file as the load test sees it: its bytes as given (possibly `.ko.xz`) and what its `.modinfo` says. */
export interface LoadableModule {
  file: string;
  /** Name the kernel gives it (`.modinfo` name with `-` as `_`). */
  name: string;
  compressed: boolean;
  bytes: Buffer;
  vermagic?: string;
  version?: string;
  /** Its `depends=` modinfo: the modules that must be loaded before it. */
  depends: string[];
  elfMachine: number;
  /** True when the ELF machine is the one the target arch runs. */
  machineMatches: boolean;
}

/** Reads a `.ko` or `.ko.xz` and identifies it. The compressed bytes go into the guest unchanged. */
export async function readLoadableModule(file: string, arch: Arch): Promise<LoadableModule> {
  const compressed = file.endsWith(".ko.xz");
  if (!compressed && !file.endsWith(".ko"))
    throw new KmodforgeError("INVALID_INPUT", `${file}: expected a .ko or .ko.xz file`);
  const bytes = await readFile(file);
  const raw = compressed ? await readModuleBytes(file) : bytes;
  let info: ReturnType<typeof readModuleElf>;
  try {
    info = readModuleElf(raw);
  } catch (err) {
    if (err instanceof NotAModuleError) throw new KmodforgeError("INVALID_INPUT", `${file}: ${err.message}`);
    throw err;
  }
  const name = (modinfoTag(info, "name") ?? basename(file).replace(/\.ko(\.xz)?$/, "")).replace(/-/g, "_");
  if (!/^[A-Za-z0-9_]{1,56}$/.test(name))
    throw new KmodforgeError("INVALID_INPUT", `${file}: unusable module name ${JSON.stringify(name)}`);
  const vermagic = modinfoTag(info, "vermagic");
  const version = modinfoTag(info, "version");
  return {
    file,
    name,
    compressed,
    bytes,
    ...(vermagic !== undefined ? { vermagic } : {}),
    ...(version !== undefined ? { version } : {}),
    depends: parseDepends(modinfoTag(info, "depends")),
    elfMachine: info.machine,
    machineMatches: info.machine === ARCH_FACTS[arch].elfMachine,
  };
}

/** The node loader and the artifact directory it loads in the guest (file names are one safe path segment). */
export interface LoaderInput {
  script: Buffer;
  files: ReadonlyArray<{ name: string; data: Buffer }>;
}

export interface InitramfsInput {
  busybox: Buffer;
  /** In load order. */
  modules: readonly LoadableModule[];
  /** Run after loading; without one the load test loads, checks and unloads. */
  exerciseScript?: string;
  exerciseTimeoutSec?: number;
  /** Load through the node loader: the modules come from the artifact directory, not from /modules. */
  loader?: LoaderInput;
}

const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

function loaderEntries(loader: LoaderInput): CpioEntry[] {
  for (const f of loader.files)
    if (!SAFE_FILE_NAME.test(f.name) || f.name.includes(".."))
      throw new KmodforgeError("INVALID_INPUT", `unusable artifact file name ${JSON.stringify(f.name)}`);
  return [
    { type: "dir", path: ARTIFACT_PATH },
    ...loader.files.map(
      (f): CpioEntry => ({ type: "file", path: `${ARTIFACT_PATH}/${f.name}`, data: f.data }),
    ),
    { type: "file", path: LOADER_PATH, data: loader.script, mode: 0o755 },
  ];
}

/**
 * The gzip-compressed newc initramfs: busybox, the modules (or the loader and its artifact), `/init` and the
 * exercise script when there is one.
 */
export function buildInitramfs(input: InitramfsInput): Buffer {
  const names = new Set<string>();
  const placed = input.modules.map((m, i) => {
    if (names.has(m.name)) throw new KmodforgeError("INVALID_INPUT", `module ${m.name} given twice`);
    names.add(m.name);
    return { module: m, path: `/modules/${i}-${m.name}.ko${m.compressed ? ".xz" : ""}` };
  });
  const exercise = input.exerciseScript !== undefined ? "/exercise.sh" : undefined;
  const init = renderInitScript(
    placed.map((p) => ({ name: p.module.name, path: p.path })),
    {
      exerciseTimeoutSec: input.exerciseTimeoutSec ?? 30,
      ...(exercise ? { exercisePath: exercise } : {}),
      viaLoader: input.loader !== undefined,
    },
  );
  const entries: CpioEntry[] = [
    ...["bin", "dev", "lib", "modules", "proc", "root", "sys", "tmp"].map(
      (path): CpioEntry => ({ type: "dir", path }),
    ),
    // The kernel opens /dev/console for init's stdio before anything is mounted.
    { type: "chardev", path: "dev/console", major: 5, minor: 1 },
    { type: "chardev", path: "dev/null", major: 1, minor: 3, mode: 0o666 },
    { type: "file", path: "bin/busybox", data: input.busybox, mode: 0o755 },
    { type: "symlink", path: "bin/sh", target: "busybox" },
    { type: "file", path: HELPERS_PATH, data: Buffer.from(HELPERS_SCRIPT) },
    ...(input.exerciseScript !== undefined
      ? [{ type: "file" as const, path: "exercise.sh", data: Buffer.from(input.exerciseScript) }]
      : []),
    ...(input.loader
      ? loaderEntries(input.loader)
      : placed.map((p): CpioEntry => ({ type: "file", path: p.path, data: p.module.bytes }))),
    { type: "file", path: "init", data: Buffer.from(init), mode: 0o755 },
  ];
  return gzipSync(writeCpioNewc(entries), { level: 6 });
}
