/**
 * The whole Debian sweep as a user runs it: `kmodforge sweep --executor auto` over every kernel of Debian 11, 12 and
 * 13 on both arches, first from an empty kmodforge cache (cold: apt lists, header downloads, extraction) and then
 * again with everything cached (warm, --force). Builder images are prepared first and timed on their own (a machine
 * pays that once). Reports total wall time, builds per minute, failures by reason, and the per-build median on the
 * host and in containers — all from one run.
 * Run: npx tsx bench/debian-sweep-bench.ts [--jobs N] [--limit N]
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseMetadata } from "../src/core/verify/metadata.js";

const run = promisify(execFile);
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const jobs = arg("--jobs") ?? "2";
const limit = arg("--limit");
const root = mkdtempSync(join(tmpdir(), "kmodforge-sweep-bench-"));
const cli = join(import.meta.dirname, "../bin/kmodforge.js");

async function timed(
  label: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  let out: string;
  try {
    out = (
      await run(process.execPath, [cli, ...args], {
        env,
        maxBuffer: 256 * 1024 * 1024,
        timeout: 4 * 3600_000,
      })
    ).stdout;
  } catch (err) {
    // A sweep with failed builds exits non-zero but still prints its summary: it is timed all the same.
    const e = err as { stdout?: string; killed?: boolean };
    if (e.killed || !e.stdout) throw err;
    out = e.stdout;
  }
  const ms = performance.now() - t0;
  console.log(`${label}: ${(ms / 60_000).toFixed(1)} min`);
  return { ms, out };
}

const median = (xs: number[]) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : Number.NaN;

function buildTimes(artifacts: string): Record<"host" | "container", number[]> {
  const times = { host: [] as number[], container: [] as number[] };
  for (const dir of readdirSync(artifacts)) {
    let text: string;
    try {
      text = readFileSync(join(artifacts, dir, "metadata.json"), "utf8");
    } catch {
      continue;
    }
    const m = parseMetadata(text);
    if (!m.ok || m.value.builder.runner === "dagger") continue;
    times[m.value.builder.runner].push(Date.parse(m.value.finishedAt) - Date.parse(m.value.startedAt));
  }
  return times;
}

const env = { ...process.env, KMODFORGE_CACHE: join(root, "cache") };
await timed(
  "builder images (prepare, reused when present)",
  ["images", "prepare", "--distro", "debian"],
  env,
);
const sweepArgs = (extra: string[]) => [
  "sweep",
  "--debian",
  "--executor",
  "auto",
  "--jobs",
  jobs,
  "--state",
  `file://${join(root, "state")}`,
  "--artifacts",
  join(root, "artifacts"),
  "--json",
  "--quiet",
  ...(limit ? ["--limit", limit] : []),
  ...extra,
];
for (const [label, extra] of [
  ["cold sweep (empty cache)", []],
  ["warm sweep (--force, cache kept)", ["--force"]],
] as const) {
  const { ms, out } = await timed(label, sweepArgs([...extra]), env);
  const s = JSON.parse(out) as {
    scheduled?: number;
    built?: number;
    failed?: number;
    failures?: Array<{ reason: string }>;
  };
  const reasons: Record<string, number> = {};
  for (const f of s.failures ?? []) reasons[f.reason] = (reasons[f.reason] ?? 0) + 1;
  console.log(
    `  scheduled ${s.scheduled}, built ${s.built}, failed ${s.failed} ${JSON.stringify(reasons)}; ${((s.built ?? 0) / (ms / 60_000)).toFixed(1)} builds/min`,
  );
  const t = buildTimes(join(root, "artifacts"));
  console.log(
    `  per-build median: host ${(median(t.host) / 1000).toFixed(1)} s (${t.host.length}), container ${(median(t.container) / 1000).toFixed(1)} s (${t.container.length}); container / host = ${(median(t.container) / median(t.host)).toFixed(2)}`,
  );
}
rmSync(root, { recursive: true, force: true });
