import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { cacheSubdir } from "../../adapters/cache-dir.js";
import { DEFAULT_STORE_URL } from "../../adapters/stores/open.js";
import { buildEntries } from "../../adapters/sweep-build.js";
import { commitOps, getChunk, pruneGenerations, putChunkSet, putMatrix } from "../../adapters/sweep-state.js";
import { EXIT_CODES, InvalidInputError } from "../../core/errors.js";
import { matchesPattern } from "../../core/support.js";
import {
  chunkEntries,
  chunkSetKey,
  DEFAULT_CHUNK_SIZE,
  formatChunkRef,
  MAX_CHUNK_SIZE,
  parseChunkRef,
} from "../../core/sweep/chunk.js";
import { FAN_OUT_FORMATS, type FanOutFormat, renderFanOut } from "../../core/sweep/ci-output.js";
import { summariseDiff } from "../../core/sweep/diff.js";
import type { StateOp } from "../../core/sweep/state.js";
import { defaultModuleDir } from "../../executors/build-scripts.js";
import { localBuilder } from "../../executors/sweep-local.js";
import { diffAgainstStore } from "./diff.js";
import { addGithubOptions, runDispatch, summariseDispatch } from "./dispatch.js";
import { discoverAndBuild, EXCLUDE_EOL_HELP } from "./matrix.js";
import { openPublisher, publishOption, publishSignKeyOption, publishStep } from "./publish-step.js";
import {
  addStateOptions,
  choiceOption,
  collect,
  intOption,
  printResult,
  progress,
  storeFrom,
} from "./sweep-common.js";

/** Executors that build on this machine (per entry: host or container); `local` is the old name of auto. */
const BUILD_EXECUTORS = ["auto", "host", "container", "local"];
const EXECUTORS = [...BUILD_EXECUTORS, "github", "none"] as const;

export function registerSweep(program: Command): void {
  addGithubOptions(
    addStateOptions(
      program
        .command("sweep")
        .description(
          "Discover → matrix → diff against the state store → chunk → dispatch to GitHub, print a CI fan-out (--format), or build locally (--executor local). Safe to re-run: nothing is dispatched twice.",
        )
        .option("--targets <dir>", "directory of targets/*.yaml (default: the repository's targets/)")
        .option(
          "--kernels <file>",
          "kernel-crawler list.json (repeatable; arch from the path or arch=<file>)",
          collect,
        )
        .option(
          "--debian",
          "enumerate Debian kernels from the apt indexes of the target suites (the default when no --kernels is given)",
        )
        .option("--apt-root <dir>", "private apt state for --debian", cacheSubdir("apt"))
        .option("--exclude-eol", EXCLUDE_EOL_HELP)
        .option("--module-digest <hex>", "digest of the module source, part of every cache key")
        .option("--module-source <dir>", "module source tree to digest (instead of --module-digest)"),
    ),
  )
    .option("--force", "build every entry (with --only-failed: ignore retry backoff)")
    .option("--only-failed", "build only failed entries whose retry backoff has elapsed")
    .option("--since <generation>", "diff against this state generation", intOption("since", 0, 1e10))
    .option(
      "--size <n>",
      `entries per chunk (1-${MAX_CHUNK_SIZE})`,
      intOption("size", 1, MAX_CHUNK_SIZE),
      DEFAULT_CHUNK_SIZE,
    )
    .option("--limit <n>", "build at most this many entries this run", intOption("limit", 1, 1e9))
    .option(
      "--only <pattern>",
      "schedule only entries whose id (distro/version/arch/release) matches this glob, e.g. 'debian/12/*' (repeatable)",
      collect,
    )
    .addOption(
      choiceOption(
        "--executor <kind>",
        "auto/host/container: build here (auto: per entry, this host when it has the kernel's compiler, else a container); github: workflow_dispatch per chunk; none: print the --format fan-out",
        EXECUTORS,
        "auto",
      ),
    )
    .option(
      "--jobs <n>",
      "builds run at once when building here (default: the number of CPUs)",
      intOption("jobs", 1, 256),
    )
    .addOption(
      choiceOption("--format <format>", "fan-out output for --executor none", FAN_OUT_FORMATS, "json"),
    )
    .option("--page <n>", "page for github-matrix/gitlab output", intOption("page", 0, 1e6), 0)
    .option("--build-chunk <ref>", "build one stored chunk (chunks/<set>#<i>) locally and record the results")
    .option(
      "--module-dir <dir>",
      "module source to build and digest into every cache key (default: the sample module in kernel-module/)",
    )
    .option("--artifacts <dir>", "output directory for local builds", ".kmodforge/artifacts")
    .addOption(publishOption(`${DEFAULT_STORE_URL} when building here, none with --build-chunk`))
    .addOption(publishSignKeyOption())
    .option(
      "--keep-generations <n>",
      "state generations to keep (older ones are pruned)",
      intOption("keep-generations", 1, 1e6),
      100,
    )
    .option("--json", "print the summary as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (opts) => {
      const log = progress(!opts.quiet);
      const store = storeFrom(opts);
      const writer = `${process.env.GITHUB_RUN_ID ?? process.env.CI_PIPELINE_ID ?? "local"}:${process.pid}`;
      const buildsHere = BUILD_EXECUTORS.includes(opts.executor);
      const builder = () =>
        localBuilder({
          outDir: opts.artifacts,
          // --build-chunk builds here whatever the fan-out executor; `local` is the old name of auto.
          executor: ["host", "container"].includes(opts.executor) ? opts.executor : "auto",
          ...(opts.moduleDir ? { moduleDir: opts.moduleDir } : {}),
          ...(opts.targets ? { targetsDir: opts.targets } : {}),
          log,
        });
      const jobs = opts.jobs ?? availableParallelism();

      if (opts.buildChunk) {
        const ref = parseChunkRef(opts.buildChunk);
        if (!ref) throw badOption("build-chunk", opts.buildChunk, "chunks/<32 hex>#<index>");
        const chunk = await getChunk(store, ref);
        const publisher = await openPublisher(opts, "none", log);
        const r = await buildEntries(store, chunk.entries, builder(), writer, log, {
          jobs,
          afterBuild: publishStep(publisher, log),
        });
        publisher?.close();
        printResult(
          opts.json,
          { chunk: opts.buildChunk, entries: chunk.entries.length, ...r },
          `chunk ${opts.buildChunk}: built ${r.built}, failed ${r.failed}`,
        );
        if (r.failed > 0) process.exitCode = EXIT_CODES.COMPILE_FAILED;
        return;
      }

      // With no discovery source named, enumerate the distributions kmodforge can list itself (Debian's archive).
      const discover = {
        ...opts,
        debian: opts.debian || !opts.kernels?.length,
        // The cache keys digest the module this sweep builds, unless told otherwise.
        moduleSource: opts.moduleDigest
          ? undefined
          : (opts.moduleSource ?? opts.moduleDir ?? defaultModuleDir()),
      };
      const { matrix, skipped, unmapped } = await discoverAndBuild(discover, log);
      const matrixKey = await putMatrix(store, matrix);
      const { diff, generation } = await diffAgainstStore(store, matrix, opts);
      const only: string[] = opts.only ?? [];
      const wanted = only.length
        ? diff.work.filter((e) => only.some((p) => matchesPattern(p, e.id)))
        : diff.work;
      const work = opts.limit ? wanted.slice(0, opts.limit) : wanted;
      const set = chunkEntries(work, opts.size);
      await putChunkSet(store, set, (d, t) => (d % 100 === 0 || d === t) && log(`stored ${d}/${t} chunks`));
      const base = {
        generation,
        matrixKey,
        entries: matrix.entries.length,
        skipped: skipped.length,
        unmapped: unmapped.length,
        ...summariseDiff(diff),
        scheduled: work.length,
        setId: set.setId,
        chunks: set.chunks.length,
        pages: set.pages.length,
      };
      const at = new Date().toISOString();
      const ops: StateOp[] = [
        { op: "matrix", key: matrixKey },
        { op: "seen", ids: matrix.entries.map((e) => e.id), at },
      ];
      for (const id of diff.removed) ops.push({ op: "removed", id, at });

      if (buildsHere) {
        // Open the store first; then record the matrix; each result is committed as it finishes.
        const publisher = await openPublisher(opts, DEFAULT_STORE_URL, log);
        await commitOps(store, ops, { writer });
        await pruneGenerations(store, opts.keepGenerations);
        const r = await buildEntries(store, work, builder(), writer, log, {
          jobs,
          afterBuild: publishStep(publisher, log),
        });
        publisher?.close();
        printResult(
          opts.json,
          { ...base, ...r },
          `sweep: ${work.length} to build in ${set.chunks.length} chunks; built ${r.built}, failed ${r.failed}`,
        );
        if (r.failed > 0) process.exitCode = EXIT_CODES.COMPILE_FAILED;
        return;
      }
      // Work is marked queued only after fan-out, so a sweep interrupted mid-dispatch recomputes the same chunk set
      // on restart and the ledger skips the chunks already dispatched.
      for (const e of work) ops.push({ op: "queued", id: e.id, cacheKey: e.cacheKey, at });
      if (opts.executor === "github") {
        const report = await runDispatch(
          store,
          set.setId,
          set.chunks.map((c) => c.index),
          opts,
          log,
        );
        const s = summariseDispatch(report);
        if (report.failed.length === 0 && report.inDoubt.length === 0)
          await commitOps(store, ops, { writer });
        await pruneGenerations(store, opts.keepGenerations);
        printResult(
          opts.json,
          { ...base, ...s },
          `sweep: added ${base.added}, changed ${base.changed}, removed ${base.removed}, failed ${base.failed}; ${set.chunks.length} chunks; dispatched ${s.dispatched} (already ${s.alreadyDone}, in doubt ${s.inDoubt}, failed ${s.failed})`,
        );
        if (s.failed > 0) process.exitCode = EXIT_CODES.EXTERNAL_TOOL_FAILED;
        return;
      }
      await commitOps(store, ops, { writer });
      await pruneGenerations(store, opts.keepGenerations);
      if (opts.json) {
        const refs = set.chunks.map((c) => formatChunkRef({ key: chunkSetKey(set.setId), index: c.index }));
        printResult(true, { ...base, state: store.url, chunkRefs: refs }, "");
        return;
      }
      log(
        `sweep: added ${base.added}, changed ${base.changed}, removed ${base.removed}, failed ${base.failed}; ${work.length} to build in ${set.chunks.length} chunks (set ${set.setId})`,
      );
      process.stdout.write(
        renderFanOut(set, opts.format as FanOutFormat, { state: store.url, page: opts.page }),
      );
    });
}

function badOption(field: string, given: string, expected: string): InvalidInputError {
  return new InvalidInputError([
    {
      field,
      given,
      expected,
      message: `${field}: ${JSON.stringify(given)} is not valid; expected ${expected}`,
    },
  ]);
}
