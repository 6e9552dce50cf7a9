/**
 * dnf-style repository addressing: `$basearch`/`$releasever` substitution, Amazon Linux `mirror.list` files, and
 * package locations that may climb out of the repository with `../` segments.
 */

export interface RepoVars {
  basearch: string;
  releasever: string;
}

/** Substitutes `$basearch`, `$arch` and `$releasever` (also the `${…}` forms). */
export function expandRepoTemplate(template: string, vars: RepoVars): string {
  return template
    .replace(/\$\{?basearch\}?/g, vars.basearch)
    .replace(/\$\{?arch\}?/g, vars.basearch)
    .replace(/\$\{?releasever\}?/g, vars.releasever);
}

/** Joins a base with a trailing slash so relative references resolve inside it. */
export function asDirectory(base: string): string {
  return base.endsWith("/") ? base : `${base}/`;
}

/** Mirror URLs listed in a `mirror.list`, in order, with variables substituted; non-http lines are dropped. */
export function parseMirrorList(text: string, vars: RepoVars): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("#"))
    .map((l) => expandRepoTemplate(l, vars))
    .filter((l) => isHttpUrl(l));
}

export function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === "http:" || u.protocol === "https:") && u.username === "" && u.password === "";
  } catch {
    return false;
  }
}

/**
 * Where a package lives: `location href` relative to `xml:base` or the repository root, `../` segments resolved
 * (Amazon Linux points into a shared blob store that way). Undefined when the result is not an http(s) URL.
 */
export function resolvePackageUrl(repoBase: string, href: string, xmlBase?: string): string | undefined {
  try {
    const base = xmlBase && isHttpUrl(xmlBase) ? asDirectory(xmlBase) : asDirectory(repoBase);
    const url = new URL(href, base).toString();
    return isHttpUrl(url) ? url : undefined;
  } catch {
    return undefined;
  }
}
