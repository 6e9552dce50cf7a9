import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { createGithubClient } from "../../adapters/github-client.js";
import { ReadCache } from "../../adapters/publish/read-cache.js";
import { BuildService } from "../../adapters/service/build-service.js";
import { GithubBuilder } from "../../adapters/service/github-builder.js";
import { BearerTokens, loadTokens } from "../../adapters/service/http-guards.js";
import { ServiceServer } from "../../adapters/service/http-server.js";
import { jsonLogger, type Logger } from "../../adapters/service/log.js";
import { createServiceMetrics } from "../../adapters/service/metrics.js";
import { publicLocator, servesStore } from "../../adapters/service/public-urls.js";
import { BuildRecords } from "../../adapters/service/records.js";
import { cachedReportPage } from "../../adapters/service/report-page.js";
import { DEFAULT_STORE_URL, type OpenedStore } from "../../adapters/stores/open.js";
import { loadTargets } from "../../adapters/targets-fs.js";
import { KmodforgeError } from "../../core/errors.js";
import { checkToken, MAX_DRIVER_VERSION_LENGTH } from "../../core/identity.js";
import type { Builder } from "../../core/service/builder.js";
import type { ExecutorRequest } from "../../executors/build.js";
import { LocalServiceBuilder } from "../../executors/service-builder.js";
import { publishSignKeyOption, storePublisher, sweepPublishStep } from "./publish-step.js";
import { parseListen, parsePublicUrl, parseRepo, type ServeOptions } from "./serve-options.js";
import { addStoreOptions, openStoreFrom, readPublicKey, readSigner } from "./store-options.js";
import { addStateOptions, intOption, storeFrom } from "./sweep-common.js";

/**
 * `kmodforge serve`: the on-demand build service (docs/service.md). Answers `POST /build` from the store's index,
 * builds a miss once however many nodes ask (GitHub Actions or this machine), and follows each build until it is
 * published. Runs until SIGTERM or SIGINT; prints `{"listening": "<url>"}` on stdout once it accepts requests, and
 * structured JSON logs on stderr.
 */
export function registerServe(program: Command): void {
  addStoreOptions(
    addStateOptions(
      program
        .command("serve")
        .description(
          "Run the on-demand build service: POST /build answers a published artifact at once (URL + SHA-256) or starts one build per kernel and driver version; GET /status/{id} follows it; GET /healthz, /metrics, and the coverage report at / (docs/service.md).",
        ),
    ),
  )
    .option("--listen <host:port>", "address to listen on", "127.0.0.1:8080")
    .option(
      "--store <url>",
      "artifact store: file://<dir>, github:<owner>/<repo> or s3://<bucket>/<prefix>",
      DEFAULT_STORE_URL,
    )
    .addOption(
      new Option(
        "--builder <kind>",
        "who builds a miss: github (dispatches the on-demand workflow) or local (this machine)",
      )
        .choices(["github", "local"])
        .makeOptionMandatory(),
    )
    .requiredOption(
      "--driver-version <version>",
      "driver version this service builds (and looks up when a request names none)",
    )
    .option(
      "--token-file <file>",
      "bearer tokens for POST /build, one per line (also: KMODFORGE_SERVICE_TOKENS)",
    )
    .option("--allow-anonymous", "accept POST /build without a token (trusted networks only)")
    .option(
      "--public-url <url>",
      "how clients reach this service (default: the address it listens on); names a directory store's download URLs",
    )
    .option("--public-key <pem>", "ed25519 public key: answer only from an index whose signature verifies")
    .option(
      "--timeout <seconds>",
      "a build not finished this long after its request is timed_out (default: 15 minutes)",
      intOption("timeout", 1, 86_400),
      15 * 60,
    )
    .option(
      "--max-retry-after <seconds>",
      "longest a failed kernel is remembered before a new build may be asked for",
      intOption("max-retry-after", 1, 30 * 86_400),
      6 * 3600,
    )
    .option("--poll <ms>", "how often unfinished builds are followed", intOption("poll", 10, 600_000), 10_000)
    .option(
      "--index-ttl <ms>",
      "how long the index is answered from memory before it is revalidated in the background",
      intOption("index-ttl", 0, 3_600_000),
      2000,
    )
    .option("--body-limit <bytes>", "largest request body", intOption("body-limit", 256, 1 << 20), 16 * 1024)
    .option(
      "--rate-limit <per-second>",
      "requests per second per client (token, else address); 0: no limit",
      intOption("rate-limit", 0, 1_000_000),
      20,
    )
    .option(
      "--rate-burst <n>",
      "requests a client may send at once",
      intOption("rate-burst", 1, 1_000_000),
      100,
    )
    .option(
      "--report-ttl <seconds>",
      "how long the report page at / is served before it is rendered again; 0: no page",
      intOption("report-ttl", 0, 86_400),
      30,
    )
    .option("--log-requests", "log every request, not only refusals and failures")
    .option("--repo <owner/name>", "github builder: repository whose workflow builds")
    .option("--workflow <file>", "github builder: workflow file name or id", "kmodforge-build.yml")
    .option("--ref <ref>", "github builder: branch or tag the workflow runs on", "main")
    .option("--source <dir>", "local builder: module source directory (default: the sample module)")
    .addOption(
      new Option("--executor <kind>", "local builder: where the compile runs")
        .choices(["auto", "host", "container"])
        .default("auto"),
    )
    .option("--jobs <n>", "local builder: builds at once", intOption("jobs", 1, 64), 1)
    .option("--targets <dir>", "targets policy directory (default: the repository's targets/)")
    .option("--cache-dir <dir>", "local builder: package and header cache (docs/cache.md)")
    .option(
      "--work-dir <dir>",
      "local builder: where artifacts are built before they are published (default: a temporary directory)",
    )
    .addOption(publishSignKeyOption())
    .action(async (opts: ServeOptions) => serve(opts));
}

async function serve(opts: ServeOptions): Promise<void> {
  const log = jsonLogger();
  const { host, port } = parseListen(opts.listen);
  const driverVersion = checkToken(
    "driver-version",
    opts.driverVersion,
    MAX_DRIVER_VERSION_LENGTH,
    "a version such as 1.2.3",
  );
  if (typeof driverVersion !== "string") throw new KmodforgeError("CONFIG_INVALID", driverVersion.message);
  const tokens = new BearerTokens(await loadTokens(process.env.KMODFORGE_SERVICE_TOKENS, opts.tokenFile));
  if (tokens.size === 0 && !opts.allowAnonymous)
    throw new KmodforgeError(
      "CONFIG_INVALID",
      "no service tokens: set KMODFORGE_SERVICE_TOKENS or --token-file (or --allow-anonymous)",
    );
  const store = await openStoreFrom(opts.store, opts, (line) => log("info", line));
  // Until the service listens (and when --public-url is not given), its own URL is not known yet.
  let publicUrl = opts.publicUrl ? parsePublicUrl(opts.publicUrl) : "";
  const metrics = await createServiceMetrics();
  const state = storeFrom(opts);
  const builder = await openBuilder(opts, store, log);
  const service = new BuildService({
    store,
    records: new BuildRecords(state),
    builder,
    cache: new ReadCache(undefined, {
      ttlMs: opts.indexTtl,
      onError: (err) => log("warn", "index revalidation failed", { error: (err as Error).message }),
    }),
    driverVersion,
    policy: await loadTargets(opts.targets),
    timeoutMs: opts.timeout * 1000,
    failurePolicy: { maxRetryAfterMs: opts.maxRetryAfter * 1000 },
    ...(opts.publicKey ? { publicKey: await readPublicKey(opts.publicKey) } : {}),
    locate: publicLocator(store, () => publicUrl),
    logUrl: (id) => `${publicUrl}/logs/${id}`,
    metrics,
    log,
    pollMs: opts.poll,
  });
  const server = new ServiceServer({
    service,
    metrics,
    log,
    tokens,
    anonymous: Boolean(opts.allowAnonymous),
    bodyLimitBytes: opts.bodyLimit,
    ...(opts.rateLimit > 0 ? { rateLimit: { perSecond: opts.rateLimit, burst: opts.rateBurst } } : {}),
    ...(opts.reportTtl > 0 ? { report: cachedReportPage(state, opts.reportTtl * 1000) } : {}),
    ...(servesStore(store) ? { servedStore: store } : {}),
    ...(opts.logRequests ? { logRequests: true } : {}),
  });
  // Listening first: resumed builds may finish at once and name URLs of this service.
  const url = await server.listen(host, port);
  publicUrl ||= url;
  await service.start();
  log("info", "listening", { url, builder: builder.kind, store: store.url, state: state.url, driverVersion });
  process.stdout.write(`${JSON.stringify({ listening: url })}\n`);
  await untilSignalled(log);
  await server.close();
  await service.stop();
  await builder.close?.();
  store.destroy?.();
}

async function openBuilder(opts: ServeOptions, store: OpenedStore, log: Logger): Promise<Builder> {
  if (opts.builder === "github") {
    if (servesStore(store))
      throw new KmodforgeError(
        "CONFIG_INVALID",
        "--builder github needs a store the workflow can publish to (github: or s3://)",
      );
    const { owner, repo } = parseRepo(opts.repo);
    const token = process.env.GITHUB_TOKEN;
    const client = await createGithubClient({
      ...(token ? { token } : {}),
      ...(opts.githubApi ? { baseUrl: opts.githubApi } : {}),
      ...(opts.githubRetryBaseMs ? { retryBaseMs: opts.githubRetryBaseMs } : {}),
      log: (line) => log("warn", line),
    });
    return new GithubBuilder({
      client,
      workflow: { owner, repo, workflow: opts.workflow, ref: opts.ref },
      store: store.url,
    });
  }
  const progress = (line: string) => log("info", line);
  // The store stays the service's: the publisher shares it and is never closed on its own.
  const publisher = storePublisher(store, await readSigner(opts.publishSignKey), progress);
  return new LocalServiceBuilder({
    workDir: opts.workDir ?? (await mkdtemp(join(tmpdir(), "kmodforge-serve-"))),
    ownsWorkDir: !opts.workDir,
    concurrency: opts.jobs,
    publish: sweepPublishStep(publisher, progress),
    executor: opts.executor as ExecutorRequest,
    ...(opts.source ? { moduleDir: opts.source } : {}),
    ...(opts.targets ? { targetsDir: opts.targets } : {}),
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    log: progress,
  });
}

function untilSignalled(log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      log("info", "stopping", { signal });
      process.off("SIGTERM", onTerm).off("SIGINT", onInt);
      resolve();
    };
    const onTerm = () => stop("SIGTERM");
    const onInt = () => stop("SIGINT");
    process.on("SIGTERM", onTerm).on("SIGINT", onInt);
  });
}
