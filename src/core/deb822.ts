/** Reads deb822 stanzas (apt-cache show, Packages, Release): `Key: value` fields, continuation lines, blank-line separated. */
export function parseDeb822(text: string): Array<Record<string, string>> {
  const stanzas: Array<Record<string, string>> = [];
  let current: Record<string, string> = {};
  let lastKey: string | undefined;
  for (const line of text.replace(/\r/g, "").split("\n")) {
    if (line.trim() === "") {
      if (Object.keys(current).length) stanzas.push(current);
      current = {};
      lastKey = undefined;
    } else if (/^[ \t]/.test(line) && lastKey) {
      current[lastKey] = `${current[lastKey]}\n${line.trim()}`;
    } else {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      lastKey = line.slice(0, colon);
      current[lastKey] = line.slice(colon + 1).trim();
    }
  }
  if (Object.keys(current).length) stanzas.push(current);
  return stanzas;
}

const RELATION_OPS = ["<<", "<=", "=", ">=", ">>"] as const;
type RelationOp = (typeof RELATION_OPS)[number];
const isRelationOp = (op: string | undefined): op is RelationOp => RELATION_OPS.some((o) => o === op);

/** One alternative of a Debian relationship field: `name[:arch] [(op version)]`. */
export interface DebRelation {
  name: string;
  /** Architecture qualifier (`:any`, `:native`, `:amd64`), when given. */
  archQualifier?: string;
  op?: RelationOp;
  version?: string;
}

const RELATION =
  /^([a-z0-9][a-z0-9+.-]+)(?::([a-z0-9-]+))?\s*(?:\(\s*(<<|<=|=|>=|>>)\s*([A-Za-z0-9.+~:-]+)\s*\))?\s*(?:\[[^\]]*\])?\s*(?:<[^>]*>\s*)*$/;

/**
 * Reads a relationship field (Depends, Pre-Depends, Recommends …; Debian Policy §7.1): comma-separated groups of
 * `|`-separated alternatives. Architecture and build-profile restrictions are accepted and dropped (binary
 * package fields carry none); an alternative that is not a relation is skipped, a group left empty is dropped.
 */
export function parseRelations(field: string): DebRelation[][] {
  return field
    .split(",")
    .map((group) =>
      group
        .split("|")
        .map((alt) => RELATION.exec(alt.replace(/\s+/g, " ").trim()))
        .filter((m) => m !== null)
        .map(([, name, archQualifier, op, version]) => ({
          name: name!,
          ...(archQualifier ? { archQualifier } : {}),
          ...(isRelationOp(op) && version ? { op, version } : {}),
        })),
    )
    .filter((group) => group.length > 0);
}
