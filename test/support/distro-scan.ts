import ts from "typescript";
import { DISTROS } from "../../src/distros/adapter.js";
import { ADAPTERS } from "../../src/distros/registry.js";

/**
 * Finds distribution knowledge in source text outside src/distros: a distribution's name, alias, crawler key or
 * codename used to decide something (compared, switched on, a lookup-table key, an element of a list a value is
 * looked up in, a `.includes("…")` argument), and regular expressions that read a distribution's tags (`.el9`,
 * `fc40`, `amzn2`, `…uek`, `lp152`, `+deb12`), and paths inside header packages (`usr/src/…`: the family says where
 * its build tree is). Comments, doc text and plain messages are not decisions and pass.
 */

export interface Finding {
  file: string;
  line: number;
  what: string;
  text: string;
}

/** Every name a distribution goes by: its own, its family's aliases and crawler keys, the apt families' suites. */
export function distributionNames(): Set<string> {
  const names = new Set<string>(DISTROS);
  for (const a of ADAPTERS) {
    for (const alias of Object.keys(a.aliases)) names.add(alias);
    for (const key of Object.keys(a.crawler)) names.add(key);
    for (let v = 1; v <= 30; v++) {
      const debianLike = a.apt?.suite(String(v));
      if (debianLike) names.add(debianLike);
      for (const month of ["04", "10"]) {
        const series = a.apt?.suite(`${String(v).padStart(2, "0")}.${month}`);
        if (series) names.add(series);
      }
    }
  }
  return names;
}

/** Distribution tags as a regular expression's source spells them. */
const TAG_IN_REGEX = [
  /amzn/,
  /uek/,
  /(^|[^a-z])el(\\d|\d|\(|\[)/,
  /(^|[^a-z])fc(\\d|\d|\(|\[)/,
  /(^|[^a-z])lp(\\d|\d|\(|\[)/,
  /(^|[^a-z])deb(\\d|\d|\()/,
];

const LOOKUP_METHODS = new Set(["includes", "startsWith", "endsWith", "has", "get", "indexOf"]);

function literalText(node: ts.Node): string | undefined {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : undefined;
}

function propertyNameText(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) return literalText(name.expression);
  return undefined;
}

const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

/** Why a distribution-name literal at this place decides something, or undefined when it does not. */
function decision(node: ts.Node): string | undefined {
  const parent = node.parent;
  if (ts.isBinaryExpression(parent) && COMPARISONS.has(parent.operatorToken.kind)) return "compared";
  if (ts.isCaseClause(parent) && parent.expression === node) return "switch case";
  if (ts.isArrayLiteralExpression(parent)) return "list element";
  if (ts.isElementAccessExpression(parent) && parent.argumentExpression === node) return "lookup key";
  if (ts.isComputedPropertyName(parent)) return "record key";
  if (ts.isPropertyAssignment(parent) && parent.name === node) return "record key";
  if (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) {
    const callee = parent.expression;
    if (ts.isPropertyAccessExpression(callee) && LOOKUP_METHODS.has(callee.name.text))
      return `.${callee.name.text}()`;
  }
  return undefined;
}

/** Object literals keyed by two or more distribution names (`{ ubuntu: …, debian: … }`) are dispatch tables. */
function tableKeys(node: ts.ObjectLiteralExpression, names: Set<string>): ts.PropertyName[] {
  const keys = node.properties.flatMap((p) =>
    (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isMethodDeclaration(p)) &&
    names.has(propertyNameText(p.name) ?? "")
      ? [p.name]
      : [],
  );
  return keys.length >= 2 ? keys : [];
}

export function scanSource(file: string, text: string, names = distributionNames()): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const report = (node: ts.Node, what: string) =>
    findings.push({
      file,
      line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
      what,
      text: node.getText(source).slice(0, 120),
    });
  const visit = (node: ts.Node): void => {
    const literal = literalText(node);
    if (literal !== undefined && names.has(literal)) {
      const why = decision(node);
      if (why) report(node, `distribution name "${literal}" ${why}`);
    }
    if (literal !== undefined && /(^|\/)usr\/src\//.test(literal))
      report(node, "a path in a distribution's header packages (build trees belong to the family)");
    if (
      (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) &&
      /usr\/src\//.test(node.text)
    )
      report(node, "a path in a distribution's header packages (build trees belong to the family)");
    if (ts.isRegularExpressionLiteral(node)) {
      const tag = TAG_IN_REGEX.find((t) => t.test(node.text));
      if (tag) report(node, `regular expression reads a distribution tag (${tag.source})`);
    }
    if (ts.isObjectLiteralExpression(node))
      for (const key of tableKeys(node, names))
        report(key, `record keyed by distribution "${propertyNameText(key)}"`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}
