/** What the kernel's own log says about a module load: refusals, taint bits, and signs of a sick kernel. */

export type RejectionKind =
  | "symbol-version-mismatch"
  | "invalid-module-format"
  | "unknown-symbol"
  | "missing-symbol-version"
  | "vermagic-mismatch"
  | "wrong-elf"
  | "module-struct-mismatch"
  | "signature-rejected";

export interface Rejection {
  kind: RejectionKind;
  /** The symbol or value the kernel named, when it named one. */
  subject?: string;
  line: string;
}

export interface TaintReport {
  before: number | null;
  after: number | null;
  /** Letters of the taint bits the load added, as the kernel prints them (O out-of-tree, E unsigned …). */
  added: string[];
  /** Added bits that mean the kernel itself complained (W warning, D oops, L lockup …). */
  problems: string[];
}

// Bit order of the kernel's taint_flags table.
const TAINT_LETTERS = "PFSRMBUDAWCIOELKXTNJ";
const PROBLEM_TAINTS = new Set(["M", "B", "D", "W", "L"]);

const REJECTION_RULES: Array<[RejectionKind, RegExp]> = [
  ["symbol-version-mismatch", /disagrees about version of symbol (\S+)/],
  ["missing-symbol-version", /no symbol version for (\S+)/],
  ["unknown-symbol", /Unknown symbol (\S+)/],
  ["vermagic-mismatch", /version magic '([^']*)' should be/],
  // Newer kernels (seen on 6.12) compare the module's struct module size before any CRC: a module from another
  // kernel line stops here.
  ["module-struct-mismatch", /this_module section size must match the kernel's built struct module size/],
  ["wrong-elf", /(Invalid architecture in ELF header|Invalid ELF header[^:]*|wrong ELF)/i],
  [
    "signature-rejected",
    /(Required key not available|Key was rejected by service|Loading of unsigned module is rejected)/,
  ],
  ["invalid-module-format", /(invalid module format|Exec format error)/i],
];

export const PROBLEM_LINE =
  /(Kernel panic|kernel BUG at|BUG: |Oops|general protection fault|WARNING: |Call Trace:|stack-protector|UBSAN|KASAN|refcount_t: |list_(add|del) corruption|Attempted to kill init|Failed to execute \/init)/;

function taintLetters(bits: number): string[] {
  return [...TAINT_LETTERS].filter((_, i) => (bits >>> i) & 1);
}

export function taintReport(before: number | null, after: number | null): TaintReport {
  const added = before !== null && after !== null ? taintLetters(after & ~before) : [];
  return { before, after, added, problems: added.filter((l) => PROBLEM_TAINTS.has(l)) };
}

export function findRejections(lines: readonly string[]): Rejection[] {
  const found: Rejection[] = [];
  // busybox insmod retries with init_module after finit_module, so the kernel often says the same thing twice.
  for (const line of new Set(lines)) {
    for (const [kind, rule] of REJECTION_RULES) {
      const m = rule.exec(line);
      if (!m) continue;
      found.push({
        kind,
        ...(m[1] && kind !== "invalid-module-format" ? { subject: m[1] } : {}),
        line: line.trim(),
      });
      break;
    }
  }
  return found;
}
