/**
 * kmodforge: build, verify and package an out-of-tree Linux kernel module for every kernel a fleet runs
 * of the distributions in targets/ (deb and RPM families; x86_64 and aarch64).
 *
 * Builder images and header packages are cached by content in the engine, so every build on an engine shares them.
 */
import { argument, type Directory, dag, type File, func, object, type Secret } from "@dagger.io/dagger";
import { loadTargets } from "./adapters/targets-fs.js";
import { identityAndTarget } from "./core/build/builder-plan.js";
import { buildPipeline, engineArch } from "./dagger/build-pipeline.js";
import { type CliSecrets, cliContainer, runCli } from "./dagger/cli-container.js";
import { buildInEngine, loadChunkEntries, parseKernelList } from "./dagger/fan-out.js";
import { runPublish, storeSecrets } from "./dagger/publish.js";

@object()
export class Kmodforge {
  /**
   * Build the module package for one kernel: headers resolved through the fallback chain and verified, compiled in
   * the kernel's builder image with the kernel's compiler, every module through the verify gate. The source is a
   * Kbuild tree or a DKMS tree (dkms.conf; every module it declares is required). Returns a directory holding the
   * artifact directory (one .ko.xz per module, metadata.json, SHA256SUMS, build.log) — the same files
   * `kmodforge build` writes. Fails when headers are unavailable, the compile fails, a declared module is missing, a
   * module fails the gate, or the package's BUILD_EXCLUSIVE rules leave the kernel out (the message gives the rule).
   */
  @func({ cache: "6h" })
  async build(
    /** Kernel release as `uname -r` prints it, e.g. 6.1.0-57-amd64 */
    kernel: string,
    /** Distribution: one kmodforge supports (see targets/; `kmodforge identity --help` lists them) */
    distro: string,
    /** Distribution version as the distribution numbers it (e.g. 12, 22.04, 9) */
    distroVersion: string,
    /** Target architecture: x86_64 or aarch64 (amd64/arm64 accepted) */
    arch = "x86_64",
    /** Module source tree, a Kbuild tree or a DKMS tree (defaults to the repository's kernel-module/) */
    @argument({ defaultPath: "/kernel-module" }) source: Directory,
    /** Header plan JSON from `resolve`; resolved live when omitted */
    plan?: File,
    /** Version recorded in the artifact names (default: the package's own version) */
    driverVersion?: string,
  ): Promise<Directory> {
    const built = await buildPipeline(
      dag.currentModule().source(),
      source,
      { ...input(kernel, distro, distroVersion, arch), ...(driverVersion ? { driverVersion } : {}) },
      { policy: await loadTargets(), engineArch: await engineArch(), ...(plan ? { resolution: plan } : {}) },
    );
    return built.output;
  }

  /**
   * Build many kernels in one call with bounded parallelism. Each entry is `distro/version/arch/release`
   * (e.g. debian/12/x86_64/6.1.0-56-amd64). Returns one sub-directory per built entry plus report.json with a
   * per-entry result; failed entries do not stop the others.
   */
  @func({ cache: "6h" })
  async buildMany(
    /** Entries as distro/version/arch/release */
    kernels: string[],
    /** Module source tree (defaults to the repository's kernel-module/) */
    @argument({ defaultPath: "/kernel-module" }) source: Directory,
    /** How many builds run at once */
    parallelism = 4,
  ): Promise<Directory> {
    return buildInEngine(dag.currentModule().source(), parseKernelList(kernels), source, parallelism);
  }

  /**
   * Build one stored chunk of a sweep (a reference such as chunks/<set>#3, as the sweep's fan-out prints it).
   * Returns per-entry directories plus report.json, like build-many.
   */
  @func({ cache: "never" })
  async buildChunk(
    /** Chunk reference: chunks/<set>#<index> */
    chunk: string,
    /** State store URL: s3://bucket/prefix or file://dir */
    state: string,
    /** Module source tree (defaults to the repository's kernel-module/) */
    @argument({ defaultPath: "/kernel-module" }) source: Directory,
    /** How many builds run at once */
    parallelism = 4,
    /** S3-compatible endpoint for the state store */
    s3Endpoint?: string,
    /** AWS access key id for an s3:// state store */
    awsAccessKeyId?: Secret,
    /** AWS secret access key for an s3:// state store */
    awsSecretAccessKey?: Secret,
  ): Promise<Directory> {
    const entries = await loadChunkEntries(chunk, state, { s3Endpoint, awsAccessKeyId, awsSecretAccessKey });
    return buildInEngine(dag.currentModule().source(), entries, source, parallelism);
  }

  /** Resolve the header packages for one kernel through its fallback chain. Returns the plan as JSON. */
  @func({ cache: "never" })
  async resolve(
    /** Kernel release as `uname -r` prints it */
    kernel: string,
    /** Distribution */
    distro: string,
    /** Distribution version */
    distroVersion: string,
    /** Target architecture */
    arch = "x86_64",
  ): Promise<string> {
    const machine = await engineArch();
    const { identity } = identityAndTarget(
      input(kernel, distro, distroVersion, arch),
      await loadTargets(),
      machine,
    );
    const args = ["resolve", "--kernel", identity.kernelRelease, "--distro", identity.distro];
    args.push(
      "--distro-version",
      identity.distroVersion,
      "--arch",
      identity.arch,
      "--host-arch",
      machine,
      "--json",
    );
    return runCli(this.cli({}), args).stdout();
  }

  /** Discover the kernels to build and write the matrix. Returns the matrix JSON file. */
  @func({ cache: "never" })
  matrix(
    /** Discover Debian kernels from the archive (needs network) */
    debian = false,
    /** Module source tree digested into every cache key */
    @argument({ defaultPath: "/kernel-module" }) source: Directory,
    /** GitHub token for discovery sources that need it */
    githubToken?: Secret,
    /** Leave out distribution versions targets/ marks end-of-life (they are included by default) */
    excludeEol = false,
  ): File {
    const args = [
      "matrix",
      "--targets",
      "targets",
      "--module-source",
      "/module",
      "--out",
      "/tmp/matrix.json",
    ];
    if (debian) args.push("--debian");
    if (excludeEol) args.push("--exclude-eol");
    return runCli(this.cli({ githubToken }).withDirectory("/module", source), args).file("/tmp/matrix.json");
  }

  /** Compare a matrix with the sweep state: which entries need building. Returns the work as a matrix file. */
  @func({ cache: "never" })
  diff(
    /** Matrix JSON from `matrix` */
    matrix: File,
    /** State store URL: s3://bucket/prefix or file://dir */
    state: string,
    /** Build every entry */
    force = false,
    /** Build only failed entries whose retry backoff elapsed */
    onlyFailed = false,
    /** AWS access key id for an s3:// state store */
    awsAccessKeyId?: Secret,
    /** AWS secret access key for an s3:// state store */
    awsSecretAccessKey?: Secret,
  ): File {
    const args = ["diff", "--matrix", "/tmp/matrix.json", "--state", state, "--out", "/tmp/work.json"];
    if (force) args.push("--force");
    if (onlyFailed) args.push("--only-failed");
    const ctr = this.cli({ awsAccessKeyId, awsSecretAccessKey }).withFile("/tmp/matrix.json", matrix);
    return runCli(ctr, args).file("/tmp/work.json");
  }

  /** Split work into chunks and store them; returns the fan-out (chunk references) as JSON. */
  @func({ cache: "never" })
  async chunk(
    /** Matrix (or diff work) JSON */
    matrix: File,
    /** State store URL where the chunks are stored */
    state: string,
    /** Entries per chunk */
    size = 50,
    /** Fan-out format: github-matrix | gitlab | json */
    format = "json",
    /** AWS access key id for an s3:// state store */
    awsAccessKeyId?: Secret,
    /** AWS secret access key for an s3:// state store */
    awsSecretAccessKey?: Secret,
  ): Promise<string> {
    const ctr = this.cli({ awsAccessKeyId, awsSecretAccessKey }).withFile("/tmp/matrix.json", matrix);
    const args = [
      "chunk",
      "--matrix",
      "/tmp/matrix.json",
      "--size",
      String(size),
      "--store",
      "--state",
      state,
    ];
    return runCli(ctr, [...args, "--format", format]).stdout();
  }

  /**
   * Run a sweep generation: discover, diff against the state, chunk and emit the fan-out for CI (no builds here;
   * each chunk is built by build-chunk). Returns the fan-out JSON.
   */
  @func({ cache: "never" })
  async sweep(
    /** State store URL: s3://bucket/prefix or file://dir */
    state: string,
    /** Build every entry, not only changed ones */
    force = false,
    /** Fan-out format: github-matrix | gitlab | json */
    format = "github-matrix",
    /** Module source tree digested into every cache key */
    @argument({ defaultPath: "/kernel-module" }) source: Directory,
    /** GitHub token for discovery and dispatch */
    githubToken?: Secret,
    /** AWS access key id for an s3:// state store */
    awsAccessKeyId?: Secret,
    /** AWS secret access key for an s3:// state store */
    awsSecretAccessKey?: Secret,
    /** Leave out distribution versions targets/ marks end-of-life (they are included by default) */
    excludeEol = false,
  ): Promise<string> {
    const args = ["sweep", "--state", state, "--executor", "none", "--format", format];
    args.push("--module-source", "/module");
    if (force) args.push("--force");
    if (excludeEol) args.push("--exclude-eol");
    const ctr = this.cli({ githubToken, awsAccessKeyId, awsSecretAccessKey }).withDirectory(
      "/module",
      source,
    );
    return runCli(ctr, args).stdout();
  }

  /**
   * Render the sweep state as the coverage report (docs/report.md). Returns a directory with index.html (one
   * self-contained page), report.json (the same data) and summary.md (Markdown for $GITHUB_STEP_SUMMARY). With a
   * store, every published artifact is linked from its cell with its sha256, read from the store's index.
   */
  @func({ cache: "never" })
  report(
    /** State store URL: s3://bucket/prefix or file://dir */
    state: string,
    /** Artifact directories (each with its metadata.json): adds build times, compilers and artifact links */
    artifacts?: Directory,
    /** Public base URL the artifact directories are served under (links in the page point there) */
    artifactsUrl?: string,
    /** S3-compatible endpoint for the state store (and an s3:// artifact store) */
    s3Endpoint?: string,
    /** AWS access key id for an s3:// state or artifact store */
    awsAccessKeyId?: Secret,
    /** AWS secret access key for an s3:// state or artifact store */
    awsSecretAccessKey?: Secret,
    /** Artifact store whose index links the published artifacts: github:owner/repo or s3://bucket/prefix */
    store?: string,
    /** GitHub token for a github: artifact store */
    githubToken?: Secret,
  ): Directory {
    const args = ["report", "--state", state, "--out", "/tmp/report", "--markdown", "/tmp/report/summary.md"];
    // The state store may be S3 whatever the artifact store is: its AWS credentials stay.
    const forStore = store
      ? storeSecrets(store, { githubToken, awsAccessKeyId, awsSecretAccessKey }, "report")
      : {};
    let ctr = this.cli({ awsAccessKeyId, awsSecretAccessKey, ...forStore });
    if (artifacts) {
      ctr = ctr.withDirectory("/artifacts", artifacts);
      args.push("--artifacts", "/artifacts");
    }
    if (store) args.push("--store", store);
    if (artifactsUrl) args.push("--artifacts-url", artifactsUrl);
    if (s3Endpoint) args.push("--s3-endpoint", s3Endpoint);
    return runCli(ctr, args).directory("/tmp/report");
  }

  /**
   * Re-run the verify gate on an artifact directory (as build returns it, or any directory kmodforge build wrote):
   * the kernel's headers are fetched again and every module is checked against them. Returns the gate's report as
   * JSON; fails when a module does not match its kernel.
   */
  @func()
  async verify(
    /** An artifact directory (holds metadata.json and the modules) */
    artifact: Directory,
  ): Promise<string> {
    const ctr = this.cli({}).withDirectory("/work/artifact", artifact);
    return runCli(ctr, ["verify", "--module", "/work/artifact", "--json"]).stdout();
  }

  /**
   * Publish artifact directories (as build and build-many return them) to an artifact store — github:owner/repo
   * or s3://bucket/prefix — and swap in a new index generation naming them (docs/publish.md). Re-publishing is a
   * no-op; a different build of a published identity is refused unless force. Returns the publish report as JSON.
   */
  @func({ cache: "never" })
  async publish(
    /** A directory of artifact directories */
    artifacts: Directory,
    /** Store URL: github:owner/repo or s3://bucket/prefix */
    store: string,
    /** Replace a different build already published under the same identity and driver version */
    force = false,
    /** ed25519 private key (PEM) that signs the index */
    signKey?: Secret,
    /** S3-compatible endpoint for an s3:// store */
    s3Endpoint?: string,
    /** GitHub token for a github: store */
    githubToken?: Secret,
    /** AWS access key id for an s3:// store */
    awsAccessKeyId?: Secret,
    /** AWS secret access key for an s3:// store */
    awsSecretAccessKey?: Secret,
  ): Promise<string> {
    const secrets = storeSecrets(store, { githubToken, awsAccessKeyId, awsSecretAccessKey });
    return runPublish(this.cli(secrets), { artifacts, store, force, signKey, s3Endpoint }).stdout();
  }

  private cli(secrets: CliSecrets) {
    return cliContainer(dag.currentModule().source(), secrets);
  }
}

function input(kernel: string, distro: string, distroVersion: string, arch: string) {
  return { kernelRelease: kernel, distro, distroVersion, arch };
}
