/**
 * Reads the part of bash that plain dkms.conf files are written in — assignments of scalars, array elements and
 * arrays, with single and double quotes, backslash escapes, line continuations, comments and `$NAME`/`${NAME}`
 * references — without running anything. Whatever goes beyond that (a command, a conditional, command or arithmetic
 * substitution, parameter operators, globbing in an array) is reported with its line, so the caller can leave the
 * file to a real shell in the build environment. Pure.
 */

export type WordPart = { kind: "text"; text: string } | { kind: "param"; name: string };

export interface Assignment {
  line: number;
  name: string;
  /** `NAME[i]=…`; absent for `NAME=…` (which sets element 0) and for arrays. */
  index?: number;
  /** `NAME=(…)`: the elements, replacing the whole array. */
  elements?: WordPart[][];
  /** `NAME=…` and `NAME[i]=…`. */
  value?: WordPart[];
}

export type AssignmentsRead =
  | { ok: true; assignments: Assignment[] }
  | {
      ok: false;
      line: number;
      reason: string;
      /** The assignments read before the construct. */
      before: Assignment[];
    };

class ShellConstruct extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const ASSIGNMENT_PREFIX = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]\n]*)\])?(\+?)=/;
const WORD_END = new Set([" ", "\t", "\n", ";"]);
const OPERATORS = new Set(["|", "&", "<", ">", "(", ")"]);
const GLOB = /[*?[]/;

class Scanner {
  pos = 0;
  line = 1;
  constructor(readonly text: string) {}

  peek(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }

  advance(count = 1): void {
    for (let i = 0; i < count; i++) {
      if (this.text[this.pos] === "\n") this.line++;
      this.pos++;
    }
  }

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  fail(reason: string): never {
    throw new ShellConstruct(this.line, reason);
  }
}

function pushText(parts: WordPart[], text: string): void {
  const last = parts.at(-1);
  if (last?.kind === "text") last.text += text;
  else parts.push({ kind: "text", text });
}

/** `$…` at the scanner: a plain parameter reference, a literal `$`, or a construct only a shell can evaluate. */
function readDollar(s: Scanner, parts: WordPart[], quoted: boolean): void {
  const next = s.peek(1);
  if (next === "{") {
    const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(s.text.slice(s.pos));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell syntax it names
    if (!m) s.fail("a parameter expansion with an operator (${…})");
    parts.push({ kind: "param", name: m[1]! });
    s.advance(m[0].length);
    return;
  }
  if (next !== undefined && NAME_START.test(next)) {
    let end = s.pos + 1;
    while (end < s.text.length && NAME_CHAR.test(s.text[end]!)) end++;
    parts.push({ kind: "param", name: s.text.slice(s.pos + 1, end) });
    s.advance(end - s.pos);
    return;
  }
  if (next === "(") s.fail(s.peek(2) === "(" ? "arithmetic expansion $((…))" : "command substitution $(…)");
  if (!quoted && (next === "'" || next === '"'))
    s.fail(`${next === "'" ? "ANSI-C" : "locale"} quoting $${next}…${next}`);
  if (next !== undefined && /[0-9@*#?$!-]/.test(next)) s.fail(`the special parameter $${next}`);
  pushText(parts, "$");
  s.advance();
}

function readDoubleQuoted(s: Scanner, parts: WordPart[]): void {
  s.advance(); // opening quote
  for (;;) {
    const c = s.peek();
    if (c === undefined) s.fail("an unterminated double quote");
    if (c === '"') {
      s.advance();
      return;
    }
    if (c === "\\") {
      const n = s.peek(1);
      if (n === "\n") s.advance(2);
      else if (n !== undefined && '$`"\\'.includes(n)) {
        pushText(parts, n);
        s.advance(2);
      } else {
        pushText(parts, "\\");
        s.advance();
      }
    } else if (c === "$") readDollar(s, parts, true);
    else if (c === "`") s.fail("command substitution `…`");
    else {
      pushText(parts, c);
      s.advance();
    }
  }
}

function readSingleQuoted(s: Scanner, parts: WordPart[]): void {
  const end = s.text.indexOf("'", s.pos + 1);
  if (end < 0) s.fail("an unterminated single quote");
  pushText(parts, s.text.slice(s.pos + 1, end));
  s.advance(end + 1 - s.pos);
}

/**
 * One word of an assignment value (`inArray`: one element of `NAME=(…)`, where unquoted expansions would be split
 * and patterns globbed — things left to the shell).
 */
function readWord(s: Scanner, inArray: boolean): WordPart[] {
  const parts: WordPart[] = [];
  for (;;) {
    const c = s.peek();
    if (c === undefined || WORD_END.has(c)) return parts;
    if (inArray && c === ")") return parts;
    if (OPERATORS.has(c)) s.fail(`the operator ${c}`);
    if (c === "\\") {
      const n = s.peek(1);
      if (n === "\n") s.advance(2);
      else if (n === undefined) {
        pushText(parts, "\\");
        s.advance();
      } else {
        pushText(parts, n);
        s.advance(2);
      }
    } else if (c === "'") readSingleQuoted(s, parts);
    else if (c === '"') readDoubleQuoted(s, parts);
    else if (c === "$") {
      if (inArray) s.fail("an unquoted expansion in an array (word splitting)");
      readDollar(s, parts, false);
    } else if (c === "`") s.fail("command substitution `…`");
    else if (c === "~" && parts.length === 0) s.fail("tilde expansion");
    else {
      if (inArray && (GLOB.test(c) || c === "{"))
        s.fail("a pattern in an array (pathname or brace expansion)");
      pushText(parts, c);
      s.advance();
    }
  }
}

function skipBlanks(s: Scanner, newlines: boolean): void {
  for (;;) {
    const c = s.peek();
    if (c === " " || c === "\t" || (newlines && c === "\n")) s.advance();
    else if (c === "\\" && s.peek(1) === "\n") s.advance(2);
    else if (newlines && c === "#") skipComment(s);
    else return;
  }
}

function skipComment(s: Scanner): void {
  while (!s.done && s.peek() !== "\n") s.advance();
}

function readArray(s: Scanner): WordPart[][] {
  s.advance(); // (
  const elements: WordPart[][] = [];
  for (;;) {
    skipBlanks(s, true);
    const c = s.peek();
    if (c === undefined) s.fail("an unterminated array");
    if (c === ")") {
      s.advance();
      return elements;
    }
    elements.push(readWord(s, true));
  }
}

/** One `NAME=…` / `NAME[i]=…` / `NAME=(…)` word; anything else is a command. */
function readAssignment(s: Scanner): Assignment {
  const line = s.line;
  const m = ASSIGNMENT_PREFIX.exec(s.text.slice(s.pos));
  if (!m) {
    const word = /^[^\s;|&<>()]*/.exec(s.text.slice(s.pos))?.[0] || s.peek() || "";
    s.fail(`a command (${JSON.stringify(word.slice(0, 40))})`);
  }
  const [prefix, name, indexText, append] = m;
  if (append) s.fail(`an appending assignment (${name}+=)`);
  let index: number | undefined;
  if (indexText !== undefined) {
    if (!/^[0-9]+$/.test(indexText)) s.fail(`an array index that is an expression (${name}[${indexText}])`);
    index = Number(indexText);
  }
  s.advance(prefix.length);
  if (s.peek() === "(") {
    if (index !== undefined) s.fail(`an array assigned to an element (${name}[${indexText}]=(…))`);
    return { line, name: name!, elements: readArray(s) };
  }
  return { line, name: name!, ...(index !== undefined ? { index } : {}), value: readWord(s, false) };
}

/** Reads a script made only of assignments; the first construct beyond them ends the read with its line. */
export function readAssignments(text: string): AssignmentsRead {
  const s = new Scanner(text);
  const assignments: Assignment[] = [];
  try {
    if (text.includes("\r")) s.fail("carriage returns (a CRLF file)");
    for (;;) {
      skipBlanks(s, true);
      if (s.done) return { ok: true, assignments };
      const c = s.peek()!;
      if (c === ";") {
        s.advance();
        continue;
      }
      assignments.push(readAssignment(s));
      // More assignments may follow on the same line; a command word after them would run with them as its
      // environment, which readAssignment reports as a command.
      skipBlanks(s, false);
      const after = s.peek();
      if (after !== undefined && after !== "\n" && after !== ";" && after !== "#") continue;
      if (after === "#") skipComment(s);
    }
  } catch (err) {
    if (err instanceof ShellConstruct)
      return { ok: false, line: err.line, reason: err.reason, before: assignments };
    throw err;
  }
}
