/**
 * bash's `[[ text =~ regex ]]` in JavaScript: the regex is a POSIX extended regular expression (glibc's flavour),
 * matched anywhere in the text. ERE and JavaScript agree on most syntax; this translates where they differ —
 * bracket expressions (POSIX classes, a literal backslash, `]` first) and backslash escapes (`\d` is a plain `d`
 * in ERE, `\<`/`\>` are word boundaries). Pure.
 */

const CLASSES: Record<string, string> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
  cntrl: "\\x00-\\x1f\\x7f",
  print: "\\x20-\\x7e",
  graph: "\\x21-\\x7e",
};

/** glibc's GNU escapes in an ERE and their JavaScript form. */
const GNU_ESCAPES: Record<string, string> = {
  w: "\\w",
  W: "\\W",
  s: "\\s",
  S: "\\S",
  b: "\\b",
  B: "\\B",
  "<": "\\b(?=\\w)",
  ">": "\\b(?<=\\w)",
  "`": "^",
  "'": "$",
};

export class BashRegexError extends Error {}

/** Translates one bracket expression starting at `start` (the `[`); returns its JS text and the index after it. */
function bracket(re: string, start: number): { text: string; end: number } {
  let i = start + 1;
  let out = "[";
  if (re[i] === "^") {
    out += "^";
    i++;
  }
  let first = true;
  for (;;) {
    const c = re[i];
    if (c === undefined) throw new BashRegexError(`unterminated bracket expression in ${re}`);
    if (c === "]" && !first) return { text: `${out}]`, end: i + 1 };
    first = false;
    if (c === "[" && re[i + 1] === ":") {
      const close = re.indexOf(":]", i + 2);
      const name = close < 0 ? "" : re.slice(i + 2, close);
      const cls = CLASSES[name];
      if (!cls) throw new BashRegexError(`unknown character class [:${name}:] in ${re}`);
      out += cls;
      i = close + 2;
    } else if (c === "[" && (re[i + 1] === "=" || re[i + 1] === ".")) {
      throw new BashRegexError(`collating elements and equivalence classes are not supported: ${re}`);
    } else {
      out += c === "\\" || c === "]" || c === "[" ? `\\${c}` : c;
      i++;
    }
  }
}

/** The JavaScript RegExp for a bash `=~` operand; throws BashRegexError when bash would not accept it either. */
export function bashRegex(re: string): RegExp {
  let out = "";
  for (let i = 0; i < re.length; ) {
    const c = re[i]!;
    if (c === "[") {
      const b = bracket(re, i);
      out += b.text;
      i = b.end;
    } else if (c === "\\") {
      const n = re[i + 1];
      if (n === undefined) throw new BashRegexError(`trailing backslash in ${re}`);
      if (GNU_ESCAPES[n]) out += GNU_ESCAPES[n];
      else if (/[1-9]/.test(n)) out += `\\${n}`;
      else if (/[A-Za-z0-9]/.test(n)) out += n;
      else out += `\\${n}`;
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  try {
    return new RegExp(out);
  } catch (err) {
    throw new BashRegexError(`${re} is not a valid regular expression: ${(err as Error).message}`);
  }
}

/** `[[ text =~ re ]]`. */
export function bashMatches(text: string, re: string): boolean {
  return bashRegex(re).test(text);
}
