/**
 * `npm run bench [-- <name>…]`: runs the benchmarks one after another, each in its own Node process (so one's heap
 * and JIT state never colour the next), streams their output, and ends with the ratio lines each one printed.
 * `npm run bench -- --list` lists them.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

interface Bench {
  name: string;
  what: string;
  /** Which printed lines are its verdict (ratios against a baseline measured in the same run). */
  ratios: RegExp;
}

const BENCHES: Bench[] = [
  {
    name: "sweep-bench",
    what: "matrix + diff + chunk for 1k, 10k and 100k entries: time and peak RSS against the 1k baseline",
    ratios: /ratio|target/,
  },
  {
    name: "rpm-index-memo",
    what: "200 kernels against one warm RPM metadata memo versus an index fetch per kernel",
    ratios: /^ratio/,
  },
  {
    name: "build-bench",
    what: "warm kmodforge build on the host and in the builder container versus a bare make of the same module (needs root and a Debian mirror)",
    ratios: /\/ bare make|\/ host|target/,
  },
  {
    name: "service-bench",
    what: "kmodforge serve: lookup hits under autocannon (saturated and at 2,000 requests/s) versus a bare node:http server, and one real --builder local miss of a Debian 12 kernel (needs a Debian mirror)",
    ratios: /service \/ baseline|target/,
  },
  {
    name: "debian-sweep-bench",
    what: "the whole Debian 11/12/13 × amd64/arm64 sweep with --executor auto, cold then warm (tens of minutes)",
    ratios: /min|builds\/min|container \/ host/,
  },
];

function runOne(bench: Bench): Promise<{ code: number; ratios: string[] }> {
  const file = join(import.meta.dirname, `${bench.name}.ts`);
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  let pending = "";
  child.stdout.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    const text = pending + chunk.toString("utf8");
    const parts = text.split("\n");
    pending = parts.pop() ?? "";
    lines.push(...parts);
  });
  return new Promise((resolve) =>
    child.on("close", (code) => {
      if (pending) lines.push(pending);
      resolve({ code: code ?? 1, ratios: lines.filter((l) => bench.ratios.test(l)) });
    }),
  );
}

const args = process.argv.slice(2);
if (args.includes("--list")) {
  for (const b of BENCHES) console.log(`${b.name.padEnd(16)} ${b.what}`);
  process.exit(0);
}
const unknown = args.filter((a) => !BENCHES.some((b) => b.name === a));
if (unknown.length) {
  console.error(
    `unknown benchmark(s): ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}`,
  );
  process.exit(2);
}

const chosen = args.length ? BENCHES.filter((b) => args.includes(b.name)) : BENCHES;
const summary: string[] = [];
let failed = 0;
for (const bench of chosen) {
  console.log(`\n== ${bench.name}: ${bench.what}`);
  const { code, ratios } = await runOne(bench);
  if (code !== 0) failed++;
  summary.push(
    `${bench.name}: ${code === 0 ? ratios.join(" | ") || "(no ratio printed)" : `FAILED (exit ${code})`}`,
  );
}
console.log(`\n== summary\n${summary.join("\n")}`);
process.exitCode = failed ? 1 : 0;
