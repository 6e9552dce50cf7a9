import { readFile } from "node:fs/promises";
import { Command, CommanderError } from "commander";
import { EXIT_CODES, KmodforgeError } from "../core/errors.js";
import { COMMANDS } from "./commands/index.js";

/**
 * `kmodforge`: build, verify and package an out-of-tree kernel module for every kernel a fleet runs.
 * Nothing here runs on import (the Dagger runtime imports every file under src/); bin/kmodforge.js calls main().
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("kmodforge")
    .description("Build, verify and package out-of-tree Linux kernel modules for every kernel a fleet runs.")
    .version(await packageVersion(), "--version", "print the kmodforge version")
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_CODES.OK;
  } catch (err) {
    return reportError(err);
  }
}

async function packageVersion(): Promise<string> {
  const file = new URL("../../package.json", import.meta.url);
  return (JSON.parse(await readFile(file, "utf8")) as { version: string }).version;
}

/** Prints a failure on stderr (never stdout, which may carry JSON) and returns its exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0)
      return EXIT_CODES.OK;
    // Commander already printed the usage error (unknown option, missing value, a value outside --choices).
    return EXIT_CODES.INVALID_INPUT;
  }
  if (err instanceof KmodforgeError) {
    process.stderr.write(`kmodforge: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`kmodforge: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT_CODES.UNEXPECTED;
}
