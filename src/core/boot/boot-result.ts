import { KMSG_MARK, MARKER } from "./init-script.js";
import { findRejections, PROBLEM_LINE, type Rejection, type TaintReport, taintReport } from "./kernel-log.js";

export type { Rejection, RejectionKind, TaintReport } from "./kernel-log.js";

/** Everything a load test observed, read back from the guest's serial console. */

export interface ModuleOutcome {
  name: string;
  insmodRc: number | null;
  insmodOutput: string;
  loaded: boolean;
  /** The module's /proc/modules line while loaded, e.g. `hello 16384 0 - Live 0x0000000000000000 (OE)`. */
  procModulesLine?: string;
  rmmodRc: number | null;
  unloaded: boolean;
}

export interface ExerciseOp {
  label: string;
  target: string;
  rc: number;
  output: string;
}

export interface BootOutcome {
  /** True when every module loaded, the exercise passed, every module unloaded and the kernel stayed healthy. */
  ok: boolean;
  booted: boolean;
  completed: boolean;
  guestRelease?: string;
  guestMachine?: string;
  modules: ModuleOutcome[];
  exercise: { ran: boolean; rc: number | null; devices: string[]; ops: ExerciseOp[] };
  taint: TaintReport;
  rejections: Rejection[];
  /** Oops, BUG, WARNING, panic lines from the kernel. */
  kernelProblems: string[];
  /** The kernel's own log from the moment loading began (timestamps removed). */
  kernelLines: string[];
  /** Human-readable reasons when ok is false. */
  failures: string[];
}

export interface RunFacts {
  /** Whether an exercise script was given (it must then run and pass). */
  exercise: boolean;
  timedOut: boolean;
  timeoutMs: number;
  exitCode: number | null;
  signal: string | null;
}

function fields(rest: string, keys: readonly string[]): Record<string, string> | undefined {
  // The last key takes the rest of the line; earlier values are single words.
  const pattern = keys.map((k, i) => `${k}=${i === keys.length - 1 ? "(.*)" : "(\\S*)"}`).join(" ");
  const m = new RegExp(`^${pattern}$`).exec(rest);
  if (!m) return undefined;
  return Object.fromEntries(keys.map((k, i) => [k, m[i + 1] ?? ""]));
}

const EVENT_KEYS: Record<string, readonly string[]> = {
  begin: ["release", "machine"],
  "taint-before": ["value"],
  "taint-after": ["value"],
  insmod: ["module", "rc", "out"],
  loader: ["rc", "out"],
  "proc-modules": ["module", "line"],
  "exercise-begin": ["devices"],
  "exercise-end": ["rc"],
  op: ["label", "rc", "target", "out"],
  rmmod: ["module", "rc", "gone", "out"],
};

/** Report steps without fields. */
const BARE_EVENTS = new Set(["dmesg-begin", "dmesg-end", "end"]);

function intOrNull(text: string | undefined): number | null {
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : null;
}

/** Reads the serial console of one load-test boot. `expected` lists the module names in load order. */
export function parseBootOutput(serial: string, expected: readonly string[], run: RunFacts): BootOutcome {
  const lines = serial.replace(/\r/g, "").split("\n");
  const modules = new Map<string, ModuleOutcome>(
    expected.map((name) => [
      name,
      { name, insmodRc: null, insmodOutput: "", loaded: false, rmmodRc: null, unloaded: false },
    ]),
  );
  const exercise: BootOutcome["exercise"] = { ran: false, rc: null, devices: [], ops: [] };
  let booted = false;
  let completed = false;
  let guestRelease: string | undefined;
  let guestMachine: string | undefined;
  let taintBefore: number | null = null;
  let taintAfter: number | null = null;
  let inDmesg = false;
  let afterMark = false;
  let lastEvent: string | undefined;
  const kernelLines: string[] = [];
  const consoleLines: string[] = [];

  for (const raw of lines) {
    const at = raw.indexOf(`${MARKER} `);
    if (at < 0) {
      if (inDmesg) {
        const text = raw.replace(/^\[\s*\d+\.\d+\]\s?/, "");
        if (text.includes(KMSG_MARK)) afterMark = true;
        else if (afterMark) kernelLines.push(text);
      } else consoleLines.push(raw);
      continue;
    }
    const body = raw.slice(at + MARKER.length + 1);
    const space = body.indexOf(" ");
    const event = space < 0 ? body : body.slice(0, space);
    const keys = EVENT_KEYS[event];
    const f = keys ? fields(body.slice(space + 1), keys) : {};
    if (!f) continue;
    if (keys || BARE_EVENTS.has(event)) lastEvent = event;
    const mod = f.module !== undefined ? modules.get(f.module) : undefined;
    switch (event) {
      case "begin":
        booted = true;
        guestRelease = f.release;
        guestMachine = f.machine;
        break;
      case "taint-before":
        taintBefore = intOrNull(f.value);
        break;
      case "taint-after":
        taintAfter = intOrNull(f.value);
        break;
      case "insmod":
        if (mod)
          Object.assign(mod, { insmodRc: intOrNull(f.rc), insmodOutput: f.out ?? "", loaded: f.rc === "0" });
        break;
      case "proc-modules":
        if (mod && f.line) mod.procModulesLine = f.line;
        break;
      case "exercise-begin":
        exercise.ran = true;
        exercise.devices = (f.devices ?? "").split(" ").filter(Boolean);
        break;
      case "exercise-end":
        exercise.rc = intOrNull(f.rc);
        break;
      case "op":
        exercise.ops.push({
          label: f.label ?? "",
          target: f.target ?? "",
          rc: intOrNull(f.rc) ?? -1,
          output: f.out ?? "",
        });
        break;
      case "rmmod":
        if (mod) Object.assign(mod, { rmmodRc: intOrNull(f.rc), unloaded: f.rc === "0" && f.gone === "1" });
        break;
      case "dmesg-begin":
        inDmesg = true;
        break;
      case "dmesg-end":
        inDmesg = false;
        break;
      case "end":
        completed = true;
        break;
    }
  }

  const outcomes = [...modules.values()];
  const taint = taintReport(taintBefore, taintAfter);
  // Only a module that did not load was rejected: busybox insmod first offers a `.ko.xz` to the kernel as is
  // (which refuses it: "Invalid ELF header magic") and then loads it decompressed, as kmod would.
  const rejected = outcomes.some((m) => !m.loaded);
  const rejections = rejected ? findRejections([...kernelLines, ...outcomes.map((m) => m.insmodOutput)]) : [];
  const kernelProblems = [...consoleLines, ...kernelLines]
    .filter((l) => PROBLEM_LINE.test(l))
    .map((l) => l.trim());
  const failures = explain({
    run,
    booted,
    completed,
    lastEvent,
    outcomes,
    exercise,
    taint,
    rejections,
    kernelProblems,
  });
  return {
    ok: failures.length === 0,
    booted,
    completed,
    ...(guestRelease !== undefined ? { guestRelease } : {}),
    ...(guestMachine !== undefined ? { guestMachine } : {}),
    modules: outcomes,
    exercise,
    taint,
    rejections,
    kernelProblems,
    kernelLines,
    failures,
  };
}

interface Observed {
  run: RunFacts;
  booted: boolean;
  completed: boolean;
  /** The last report step the console showed. */
  lastEvent: string | undefined;
  outcomes: ModuleOutcome[];
  exercise: BootOutcome["exercise"];
  taint: TaintReport;
  rejections: Rejection[];
  kernelProblems: string[];
}

function explain(o: Observed): string[] {
  const failures: string[] = [];
  if (o.run.timedOut)
    failures.push(`the guest did not finish within ${Math.round(o.run.timeoutMs / 1000)} s and was killed`);
  if (!o.booted)
    failures.push("the guest never reached the load-test init (kernel did not boot or /init did not run)");
  for (const m of o.outcomes) {
    if (!o.booted) break;
    if (!m.loaded)
      failures.push(
        `module ${m.name} did not load${m.insmodRc === null ? "" : ` (insmod rc ${m.insmodRc}: ${m.insmodOutput})`}`,
      );
    else if (!m.unloaded)
      failures.push(`module ${m.name} did not unload${m.rmmodRc === null ? "" : ` (rmmod rc ${m.rmmodRc})`}`);
  }
  if (o.run.exercise && o.outcomes.every((m) => m.loaded)) {
    if (!o.exercise.ran) failures.push("the exercise script did not run");
    else if (o.exercise.rc !== 0) {
      const failed = o.exercise.ops
        .filter((op) => op.rc !== 0)
        .map((op) => `${op.label} ${op.target} rc ${op.rc}: ${op.output}`);
      failures.push(
        `the exercise script failed (rc ${o.exercise.rc ?? "none"})${failed.length ? `: ${failed.join("; ")}` : ""}`,
      );
    }
  }
  for (const r of o.rejections) failures.push(`kernel rejected the module (${r.kind}): ${r.line}`);
  if (o.taint.problems.length)
    failures.push(`kernel taint added ${o.taint.problems.join("")} (kernel warned or oopsed)`);
  for (const line of o.kernelProblems) failures.push(`kernel problem: ${line}`);
  if (o.booted && !o.completed && !o.run.timedOut)
    failures.push(
      `the guest stopped before the load test finished: its report ends after "${o.lastEvent}" and ${howQemuEnded(o.run)}`,
    );
  return [...new Set(failures)];
}

function howQemuEnded(run: RunFacts): string {
  if (run.signal) return `QEMU was killed by ${run.signal}`;
  // Exit code 0 is a guest that powered off or reset (-no-reboot) without a panic on its console.
  return run.exitCode === 0
    ? "QEMU exited normally (the guest powered off or reset)"
    : `QEMU exited with code ${run.exitCode}`;
}
