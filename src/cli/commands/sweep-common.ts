import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { DEFAULT_STATE_URL, openStateStore } from "../../adapters/state-url.js";
import { InvalidInputError } from "../../core/errors.js";
import type { StateStore } from "../../core/sweep/store.js";
import { type Matrix, matrixSchema } from "../../core/sweep/types.js";

/** Shared by the CLI commands: progress on stderr, results on stdout, option parsers. */
export function progress(enabled: boolean): (line: string) => void {
  return (line) => {
    if (enabled) process.stderr.write(`kmodforge: ${line}\n`);
  };
}

export function printResult(json: boolean, summary: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `${text}\n`);
}

export function addStateOptions(cmd: Command): Command {
  return cmd
    .option("--state <url>", "state store: file://<dir> or s3://<bucket>/<prefix>", DEFAULT_STATE_URL)
    .option("--s3-endpoint <url>", "S3-compatible server URL (path-style addressing)")
    .option("--s3-region <region>", "S3 region (default: AWS_REGION or us-east-1)");
}

export function storeFrom(opts: { state: string; s3Endpoint?: string; s3Region?: string }): StateStore {
  return openStateStore(opts.state, {
    ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}),
    ...(opts.s3Region ? { region: opts.s3Region } : {}),
  });
}

export async function readMatrixFile(path: string): Promise<Matrix> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new InvalidInputError([
      {
        field: "matrix",
        given: path,
        expected: "a matrix file written by kmodforge matrix",
        message: `matrix: ${path}: ${(err as Error).message}`,
      },
    ]);
  }
  const r = matrixSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InvalidInputError([
      {
        field: "matrix",
        given: path,
        expected: "schemaVersion 1 matrix",
        message: `matrix: ${path}: ${i?.path.join(".")}: ${i?.message}`,
      },
    ]);
  }
  return r.data;
}

export function intOption(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidInputError([
        {
          field: name,
          given: v,
          expected: `an integer from ${min} to ${max}`,
          message: `${name}: ${JSON.stringify(v)} is not an integer from ${min} to ${max}`,
        },
      ]);
    }
    return n;
  };
}

/** An option whose value must be one of `choices`: commander rejects anything else, listing them (exit 2). */
export function choiceOption(
  flags: string,
  description: string,
  choices: readonly string[],
  defaultValue?: string,
): Option {
  const option = new Option(flags, description).choices(choices);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
