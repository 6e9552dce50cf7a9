/**
 * The one way report markup (HTML and inline SVG) is written: every piece of text and every attribute value goes
 * through escapeHtml, so kernel strings, log tails and URLs from the state or artifact metadata can never become
 * markup. Children passed to `h` are markup produced by `h`/`text` themselves.
 */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Markup-safe text. */
export function text(value: string | number): string {
  return escapeHtml(String(value));
}

export type Attrs = Record<string, string | number | boolean | undefined>;

/** An element; `true` attributes are written bare, `false`/undefined ones left out. */
export function h(name: string, attrs: Attrs = {}, ...children: string[]): string {
  let open = `<${name}`;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    open += value === true ? ` ${key}` : ` ${key}="${escapeHtml(String(value))}"`;
  }
  return VOID.has(name) ? `${open}>` : `${open}>${children.join("")}</${name}>`;
}
const VOID = new Set(["meta", "input", "br", "hr", "link", "img"]);

/**
 * A URL a link may point to: http(s), file, or a relative path. Anything else (javascript:, data: …) and anything
 * with whitespace or control characters, which browsers strip before reading the scheme, is refused.
 */
export function safeHref(url: string): string | undefined {
  if (url === "" || /[\u0000-\u0020\u007f-\u009f]/.test(url)) return undefined;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return url;
  return scheme === "http" || scheme === "https" || scheme === "file" ? url : undefined;
}

/** JSON safe inside `<script type="application/json">`: no `<`, `>`, `&` or line separators survive verbatim. */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value);
  return UNSAFE_IN_SCRIPT.test(json)
    ? json.replace(UNSAFE_IN_SCRIPT_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : json;
}
const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/;
const UNSAFE_IN_SCRIPT_ALL = /[<>&\u2028\u2029]/g;

/** A number for SVG coordinates and labels: at most one decimal. */
export function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}
