import { ARCH_FACTS } from "../core/arch.js";
import { expectedVermagicFlags, parseKernelConfig } from "../core/verify/gate.js";
import type { BuildPlan } from "./build-plan.js";

/**
 * The verify gate over the small text facts collect-facts writes (`key=value` lines: vermagic, elf_machine, …).
 * The same checks as the local gate: vermagic release and flag tail (derived by the same code from the kernel's
 * configuration symbols the container reports), ELF machine, and the count of imported CRCs that differ from the
 * kernel's Module.symvers (compared in the container, where both files are).
 */

export interface GateResult {
  ok: boolean;
  problems: string[];
  facts: Record<string, string>;
}

export function parseFacts(text: string): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    // Configuration lines repeat one key; the gate reads them separately.
    if (eq > 0 && !line.startsWith("config=")) facts[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return facts;
}

export function verifyFacts(plan: Pick<BuildPlan, "identity">, text: string): GateResult {
  const facts = parseFacts(text);
  const problems: string[] = [];
  const { kernelRelease, arch } = plan.identity;
  const vermagic = facts.vermagic ?? "";
  if (vermagic.split(" ")[0] !== kernelRelease)
    problems.push(`vermagic ${JSON.stringify(vermagic)} does not start with ${kernelRelease}`);
  const machine = facts.elf_machine;
  if (machine !== String(ARCH_FACTS[arch].elfMachine) && machine !== ARCH_FACTS[arch].elfMachineName)
    problems.push(`ELF machine ${JSON.stringify(machine)} is not ${ARCH_FACTS[arch].elfMachineName}`);
  const config = text
    .split("\n")
    .filter((l) => l.startsWith("config="))
    .map((l) => l.slice("config=".length))
    .join("\n");
  const expectedFlags = expectedVermagicFlags(parseKernelConfig(config), arch).join(" ");
  const flags = vermagic.split(/\s+/).slice(1).join(" ");
  if (flags !== expectedFlags)
    problems.push(
      `vermagic flags ${JSON.stringify(flags)} differ from the kernel's ${JSON.stringify(expectedFlags)}`,
    );
  if (facts.crc_checked === undefined) problems.push("no symbol CRC facts were collected");
  else if (facts.crc_mismatch !== "0")
    problems.push(
      `${facts.crc_mismatch} of ${facts.crc_checked} imported symbol CRCs differ from Module.symvers`,
    );
  else if (parseKernelConfig(config).get("CONFIG_MODVERSIONS") === "y" && facts.crc_checked === "0")
    problems.push("the kernel uses modversions but the module imports no CRCs");
  return { ok: problems.length === 0, problems, facts };
}
