import type { Command } from "commander";
import { registerBuild } from "./build.js";
import { registerChunk } from "./chunk.js";
import { registerDiff } from "./diff.js";
import { registerDispatch } from "./dispatch.js";
import { registerIdentity } from "./identity.js";
import { registerImages } from "./images.js";
import { registerLookup } from "./lookup.js";
import { registerMatrix } from "./matrix.js";
import { registerKeygen, registerPublish } from "./publish.js";
import { registerReport } from "./report.js";
import { registerResolve } from "./resolve.js";
import { registerServe } from "./serve.js";
import { registerSteps } from "./steps.js";
import { registerSweep } from "./sweep.js";
import { registerVerify } from "./verify.js";

/** Every CLI command registers itself here, in the order `kmodforge --help` lists them. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerIdentity,
  registerResolve,
  registerBuild,
  registerVerify,
  registerMatrix,
  registerDiff,
  registerChunk,
  registerDispatch,
  registerSweep,
  registerImages,
  registerSteps,
  registerReport,
  registerPublish,
  registerLookup,
  registerKeygen,
  registerServe,
];
