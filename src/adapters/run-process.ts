import { spawn } from "node:child_process";
import { KmodforgeError } from "../core/errors.js";

/** Spawns a tool with an argument array (never a shell), with a hard timeout and bounded captured output. */

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Bytes kept per stream; the rest is dropped (the tail is what matters for diagnostics). */
  maxOutputBytes?: number;
  /** Bytes written to the child's stdin, then closed. */
  input?: Uint8Array;
  /** Called with every chunk of output as it arrives (progress for long steps); output is still captured. */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Raw stdout, for binary output. */
  stdoutBytes: Buffer;
  ms: number;
}

class Capture {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const started = Date.now();
  const limit = options.maxOutputBytes ?? 8 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input ? "pipe" : "ignore", "pipe", "pipe"],
    });
    const out = new Capture(limit);
    const err = new Capture(limit);
    let timedOut = false;
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, options.timeoutMs)
        : undefined;
    child.stdout!.on("data", (c: Buffer) => {
      out.push(c);
      options.onOutput?.(c.toString("utf8"));
    });
    child.stderr!.on("data", (c: Buffer) => {
      err.push(c);
      options.onOutput?.(c.toString("utf8"));
    });
    if (options.input) child.stdin!.end(options.input);
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      const missing = e.code === "ENOENT";
      reject(
        new KmodforgeError(
          "EXTERNAL_TOOL_FAILED",
          missing
            ? `${command} is not installed (or not on PATH)`
            : `${command} could not be started: ${e.message}`,
          { command },
        ),
      );
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const stdoutBytes = out.bytes();
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString("utf8"),
        stderr: err.bytes().toString("utf8"),
        timedOut,
        stdoutBytes,
        ms: Date.now() - started,
      });
    });
  });
}
