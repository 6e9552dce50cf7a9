import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/**
 * Static scan behind test/hygiene/no-live-abi-literals.test.ts (the rule is documented there): which test files
 * talk to the live Debian archive, and which Debian kernel release or package version literals they contain.
 */

/** A Debian kernel ABI or package version: `6.1.0-57`, `5.10.0-26`, `6.12.117+deb12`, `6.1.192-2`. */
export const ABI_LITERAL = /\d+\.\d+\.\d+(?:-\d+|\+deb\d+)/;

/** `abi-literal-ok: <reason of at least ten characters>` on the literal's line or the line above. */
const MARKER = /abi-literal-ok:(.*)$/;

/** Modules whose entry points reach the archive the host's apt configuration names, with no mirror passed in. */
export const LIVE_MODULES = [
  "src/adapters/apt-metadata",
  "src/adapters/private-apt",
  "src/adapters/debian-boot-assets",
  "src/executors/build",
  "src/executors/prepare-headers",
  "src/executors/verify-static",
  "src/executors/kernel-boot-test",
];
/** CLI arguments that send `bin/kmodforge.js` to the live archive: discovery from the host's mirror, boots. */
const LIVE_CLI_WORDS = new Set(["--debian", "--boot"]);
/** Commands that resolve through the repository's targets/ (`mirrors: [host]`) unless `--targets` names others. */
const TARGETS_CLI_WORDS = new Set(["build", "resolve"]);
/** Tools and scripts that talk to the archive themselves. */
const LIVE_PROGRAMS = /^(apt-get|apt-cache|debootstrap)$/;
/** Resolution machinery: with `loadTargets()` (the repository's targets/, `mirrors: [host]`) it reaches the archive. */
const RESOLUTION_MODULES = [
  "src/adapters/resolver",
  "src/adapters/resolve-and-fetch",
  "src/adapters/sources/index",
];
/** The guard's own sources hold the very patterns it looks for. */
export const GUARD_FILES = ["test/hygiene/live-archive-scan.ts", "test/hygiene/no-live-abi-literals.test.ts"];

export interface Finding {
  file: string;
  line: number;
  text: string;
}

export interface ScannedFile {
  file: string;
  /** Why the file itself talks to the live archive (empty when it does not on its own). */
  doors: string[];
  /** Test-local modules it imports (repository-relative). */
  localImports: string[];
  /** Literals (strings, templates and `+` chains folded where every part is a literal, regexes unescaped). */
  literals: Finding[];
  /** True when it names `bin/kmodforge.js` (runs the CLI itself, or is the runner other tests call). */
  runsCli: boolean;
  /** Its string literals that send the CLI to the live archive. */
  cliWords: string[];
  /** Lines an allow-marker with a reason covers. */
  allowed: Set<number>;
  /** Malformed or unused markers. */
  badMarkers: Finding[];
}

const withoutEscapes = (text: string) => text.replace(/\\(.)/g, "$1");

/** The string an expression always evaluates to, when it is made of literals only. */
function fold(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isNumericLiteral(node))
    return node.text;
  if (ts.isParenthesizedExpression(node)) return fold(node.expression);
  if (ts.isTemplateExpression(node)) {
    let text = node.head.text;
    for (const span of node.templateSpans) {
      const part = fold(span.expression);
      if (part === undefined) return undefined;
      text += part + span.literal.text;
    }
    return text;
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const [l, r] = [fold(node.left), fold(node.right)];
    return l !== undefined && r !== undefined ? l + r : undefined;
  }
  return undefined;
}

function literalText(node: ts.Node): string | undefined {
  if (ts.isRegularExpressionLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    // Parts next to a substitution still count: `6.1.0-56-${flavour}` names an ABI.
    return fold(node) ?? [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join("\u0000");
  }
  return fold(node);
}

function moduleSpecifiers(sf: ts.SourceFile): string[] {
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isImportDeclaration(node) &&
      !node.importClause?.isTypeOnly &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      specs.push(node.moduleSpecifier.text);
    else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      specs.push(node.moduleSpecifier.text);
    else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    )
      specs.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return specs;
}

/** Scans one TypeScript file (`file` is repository-relative, `root` the repository). */
export function scanSource(root: string, file: string, text: string): ScannedFile {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const doors: string[] = [];
  const localImports: string[] = [];
  let resolves = false;
  for (const spec of moduleSpecifiers(sf).filter((s) => s.startsWith("."))) {
    const target = relative(root, resolve(root, dirname(file), spec)).replace(/\.(js|ts)$/, "");
    if (LIVE_MODULES.includes(target)) doors.push(`imports ${target}`);
    else if (target.startsWith("test/")) localImports.push(`${target}.ts`);
    if (RESOLUTION_MODULES.includes(target)) resolves = true;
  }

  const literals: Finding[] = [];
  const strings = new Set<string>();
  const visit = (node: ts.Node): void => {
    const raw = literalText(node);
    if (raw !== undefined) {
      strings.add(raw);
      const value = withoutEscapes(raw);
      if (ABI_LITERAL.test(value)) literals.push({ file, line: lineOf(node), text: value });
      // A folded `+` chain was checked whole; a template's substitutions may hold further literals.
      if (!ts.isTemplateExpression(node)) return;
    }
    if (
      resolves &&
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "loadTargets" &&
      node.arguments.length === 0
    )
      doors.push("resolves through loadTargets(), the repository's targets/ (mirrors: [host])");
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const runsCli = [...strings].some((s) => s.endsWith("bin/kmodforge.js"));
  const ownTargets = strings.has("--targets");
  const cliWords = [...strings].filter(
    (s) => LIVE_CLI_WORDS.has(s) || (!ownTargets && TARGETS_CLI_WORDS.has(s)),
  );
  for (const s of strings) if (LIVE_PROGRAMS.test(s)) doors.push(`runs ${s}`);

  const allowed = new Set<number>();
  const badMarkers: Finding[] = [];
  text.split("\n").forEach((line, i) => {
    const m = MARKER.exec(line);
    if (!m) return;
    const reason = m[1]!.trim();
    const covers = [i + 1, i + 2].filter((n) => literals.some((l) => l.line === n));
    if (reason.length < 10) badMarkers.push({ file, line: i + 1, text: "abi-literal-ok needs a reason" });
    else if (covers.length === 0)
      badMarkers.push({ file, line: i + 1, text: "abi-literal-ok covers no literal" });
    else for (const n of covers) allowed.add(n);
  });
  return { file, doors, localImports, runsCli, cliWords, literals, allowed, badMarkers };
}

/** Every TypeScript and shell file under test/, fixtures excluded, repository-relative. */
export function testFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) return path === "test/fixtures" ? [] : walk(path);
      return /\.(ts|sh)$/.test(e.name) ? [path] : [];
    });
  return walk("test").sort();
}

export interface Verdict {
  /** Live files and why (the first door found, possibly through a test-local import). */
  live: Map<string, string>;
  violations: Finding[];
}

const verdicts = new Map<string, Verdict>();

/** Classifies every test file and reports the ABI literals of live ones that no marker allows (once per root). */
export function checkTestTree(root: string): Verdict {
  const known = verdicts.get(root);
  if (known) return known;
  const verdict = scanTree(root);
  verdicts.set(root, verdict);
  return verdict;
}

function scanTree(root: string): Verdict {
  const scans = new Map<string, ScannedFile>();
  for (const file of testFiles(root).filter((f) => f.endsWith(".ts") && !GUARD_FILES.includes(f)))
    scans.set(file, scanSource(root, file, readFileSync(join(root, file), "utf8")));
  const live = new Map<string, string>();
  /** Whether `file` or a test-local module it imports runs the CLI (a shared runner such as test/support/cli.ts). */
  const cliRunner = (file: string, seen: Set<string>): string | undefined => {
    const scan = scans.get(file);
    if (!scan || seen.has(file)) return undefined;
    seen.add(file);
    if (scan.runsCli) return file;
    for (const dep of scan.localImports) {
      const runner = cliRunner(dep, seen);
      if (runner) return runner;
    }
    return undefined;
  };
  const why = (file: string, seen: Set<string>): string | undefined => {
    const scan = scans.get(file);
    if (!scan || seen.has(file)) return undefined;
    seen.add(file);
    if (scan.doors[0]) return scan.doors[0];
    const runner = scan.cliWords.length > 0 ? cliRunner(file, new Set()) : undefined;
    if (runner) return `runs bin/kmodforge.js (${runner}) with ${scan.cliWords.join(", ")}`;
    for (const dep of scan.localImports) {
      const reason = why(dep, seen);
      if (reason) return `${dep}: ${reason}`;
    }
    return undefined;
  };
  const violations: Finding[] = [];
  for (const [file, scan] of scans) {
    violations.push(...scan.badMarkers);
    const reason = why(file, new Set());
    if (!reason) continue;
    live.set(file, reason);
    violations.push(...scan.literals.filter((l) => !scan.allowed.has(l.line)));
  }
  // Shell scripts under test/ drive the archive, apt and the builders directly: all of them count as live.
  for (const file of testFiles(root).filter((f) => f.endsWith(".sh"))) {
    live.set(file, "shell script");
    readFileSync(join(root, file), "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (!/^\s*#/.test(line) && ABI_LITERAL.test(withoutEscapes(line)))
          violations.push({ file, line: i + 1, text: line.trim() });
      });
  }
  return { live, violations };
}
