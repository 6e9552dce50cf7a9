import { ARCH_FACTS } from "../core/arch.js";
import type { BuildPlan } from "./build-plan.js";

/**
 * The verify gate over the small text facts collect-facts writes (`key=value` lines: vermagic, elf_machine, …).
 * Kept to the checks that need no other file; the full gate lives with the local executor's verify code.
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
    if (eq > 0) facts[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
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
  return { ok: problems.length === 0, problems, facts };
}
