import type { Command } from "commander";
import { registerIdentity } from "./identity.js";
import { registerVerify } from "./verify.js";

/** Every CLI command registers itself here, in the order `kmodforge --help` lists them. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [registerIdentity, registerVerify];
