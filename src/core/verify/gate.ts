import { ARCH_FACTS, type Arch } from "../arch.js";
import { modinfoTag, readElfLayout, readModuleElf } from "../elf-modinfo.js";
import { VerifyFailedError } from "../errors.js";
import { exportedSymbols, hexCrc, importedCrcs, parseSymvers } from "./modversions.js";

/**
 * The verify gate every module passes before it is packaged: the facts a kernel checks when it loads a module,
 * checked here against the headers it was built with. Pure: the caller reads the files.
 */

export interface VerifyInput {
  /** Uncompressed module bytes. */
  module: Uint8Array;
  kernelRelease: string;
  arch: Arch;
  /** `include/config/auto.conf` of the headers tree. */
  kernelConfig: string;
  /** `Module.symvers` of the headers tree. */
  symvers: string;
  /** vermagic of an in-tree module of the same kernel, when one is at hand: the strongest reference. */
  referenceVermagic?: string;
  /**
   * Symbols the other modules of the same package export (symbol → module name): an import the kernel does not
   * export is satisfied by one of them (packageExports() computes this from the modules themselves).
   */
  packageExports?: ReadonlyMap<string, string>;
}

/** What every module of a package exports, by symbol, from the modules' own ELF (`__ksymtab_strings`). */
export function packageExports(
  modules: ReadonlyArray<{ name: string; bytes: Uint8Array }>,
): Map<string, string> {
  const exports = new Map<string, string>();
  for (const m of modules)
    for (const symbol of exportedSymbols(readElfLayout(m.bytes))) exports.set(symbol, m.name);
  return exports;
}

export interface CheckResult {
  check: "elf" | "vermagic-release" | "vermagic-flags" | "symbol-crcs" | "license";
  ok: boolean;
  expected: string;
  actual: string;
  detail?: string;
}

export function parseKernelConfig(text: string): Map<string, string> {
  const config = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) config.set(m[1]!, m[2]!.replace(/^"(.*)"$/, "$1"));
  }
  return config;
}

/** The flag tail the kernel's vermagic.h produces for this configuration (randstruct seeds excepted). */
export function expectedVermagicFlags(config: Map<string, string>, arch: Arch): string[] {
  const on = (name: string) => config.get(name) === "y";
  const flags: string[] = [];
  if (on("CONFIG_SMP")) flags.push("SMP");
  // PREEMPT_BUILD (5.16+) replaced PREEMPT as the switch; kernels without the symbol use PREEMPT.
  const preempt = config.has("CONFIG_PREEMPT_BUILD") ? on("CONFIG_PREEMPT_BUILD") : on("CONFIG_PREEMPT");
  if (preempt) flags.push("preempt");
  else if (on("CONFIG_PREEMPT_RT")) flags.push("preempt_rt");
  if (on("CONFIG_MODULE_UNLOAD")) flags.push("mod_unload");
  if (on("CONFIG_MODVERSIONS")) flags.push("modversions");
  if (ARCH_FACTS[arch].vermagicArch) flags.push(ARCH_FACTS[arch].vermagicArch);
  return flags;
}

const withoutRandstruct = (flags: string[]) => flags.filter((f) => !f.startsWith("RANDSTRUCT_"));

/** Runs every check and returns each outcome; nothing is thrown for a failed check. */
export function runVerifyChecks(input: VerifyInput): CheckResult[] {
  const results: CheckResult[] = [];
  let layout: ReturnType<typeof readElfLayout>;
  let info: ReturnType<typeof readModuleElf>;
  try {
    layout = readElfLayout(input.module);
    info = readModuleElf(input.module);
  } catch (err) {
    return [{ check: "elf", ok: false, expected: "an ELF kernel module", actual: (err as Error).message }];
  }
  const facts = ARCH_FACTS[input.arch];
  const elfOk = info.machine === facts.elfMachine && info.elfClass === 64;
  results.push({
    check: "elf",
    ok: elfOk,
    expected: `ELF64 ${facts.elfMachineName} (machine ${facts.elfMachine})`,
    actual: `ELF${info.elfClass} machine ${info.machine}`,
  });

  const vermagic = (modinfoTag(info, "vermagic") ?? "").trim();
  const [release = "", ...flags] = vermagic.split(/\s+/);
  results.push({
    check: "vermagic-release",
    ok: release === input.kernelRelease,
    expected: input.kernelRelease,
    actual: release,
  });

  const expectedFlags = input.referenceVermagic
    ? input.referenceVermagic.trim().split(/\s+/).slice(1)
    : expectedVermagicFlags(parseKernelConfig(input.kernelConfig), input.arch);
  const flagsOk = withoutRandstruct(flags).join(" ") === withoutRandstruct(expectedFlags).join(" ");
  results.push({
    check: "vermagic-flags",
    ok: flagsOk,
    expected: expectedFlags.join(" "),
    actual: flags.join(" "),
    detail: input.referenceVermagic
      ? "compared with an in-tree module"
      : "derived from the kernel configuration",
  });

  const exported = parseSymvers(input.symvers);
  const imported = importedCrcs(layout);
  const bad: string[] = [];
  let fromPackage = 0;
  for (const [symbol, crc] of imported) {
    const want = exported.get(symbol);
    // A sibling module built in the same build provides it; the load test proves the two agree.
    if (want === undefined && input.packageExports?.has(symbol)) fromPackage++;
    else if (want === undefined)
      bad.push(`${symbol}: not exported by the kernel (module has ${hexCrc(crc)})`);
    else if (want !== crc) bad.push(`${symbol}: kernel ${hexCrc(want)}, module ${hexCrc(crc)}`);
  }
  const modversions = parseKernelConfig(input.kernelConfig).get("CONFIG_MODVERSIONS") === "y";
  results.push({
    check: "symbol-crcs",
    ok: bad.length === 0 && (!modversions || imported.size > 0),
    expected: modversions
      ? `${imported.size} imported CRCs equal to Module.symvers${fromPackage ? ` or exported by the package's own modules` : ""}`
      : "no CRCs (MODVERSIONS off)",
    actual: bad.length
      ? bad.slice(0, 5).join("; ")
      : imported.size
        ? `${imported.size - fromPackage} CRCs match${fromPackage ? `, ${fromPackage} symbols from the package's own modules` : ""}`
        : "no CRCs in module",
  });

  const license = modinfoTag(info, "license");
  results.push({
    check: "license",
    ok: Boolean(license),
    expected: "a MODULE_LICENSE",
    actual: license ?? "none",
  });
  return results;
}

/** Runs the gate and throws VerifyFailedError naming the first failed check. */
export function assertVerified(input: VerifyInput): CheckResult[] {
  const results = runVerifyChecks(input);
  const failed = results.find((r) => !r.ok);
  if (failed) throw new VerifyFailedError(failed.check, failed.expected, failed.actual, failed.detail);
  return results;
}
