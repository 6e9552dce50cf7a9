import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ARCH_FACTS, type Arch } from "../core/arch.js";
import { parseDeb822 } from "../core/deb822.js";
import { KmodforgeError } from "../core/errors.js";
import { compareDebVersions, suiteFromListName } from "../core/sweep/debian-discovery.js";
import { hostAptFamily } from "../distros/registry.js";
import {
  DEB_VERSION,
  type DebPackage,
  debPackage,
  hostDebianMirrors,
  type IndexedDeb,
  kernelStanzas,
  PACKAGE_NAME,
  readAptList,
} from "./apt-metadata.js";
import { type RunOptions, runProcess } from "./run-process.js";
import { tempBeside } from "./temp-name.js";

/**
 * apt with its own state (lists, cache, an empty dpkg status) under a directory we own, for any Debian suite and
 * architecture, without touching the system's apt state or needing `dpkg --add-architecture`. The mirror is never
 * named here: it is whatever the host's apt configuration points at (read through `apt-get indextargets`), so a
 * machine behind its own mirror keeps using it. Signatures and hashes are checked by apt itself.
 */

export interface DownloadedDeb extends DebPackage {
  path: string;
}

const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
const DEFAULT_LIST_AGE_MS = 6 * 3600_000;
/** What the locked update prints when another process refreshed the lists while it waited. */
const REFRESHED_MEANWHILE = "kmodforge: lists refreshed by another process";

/** A repository given explicitly (a targets/ `apt` link with URLs) instead of the host's configuration. */
export interface AptRepository {
  uri: string;
  suites: readonly string[];
  components: readonly string[];
  keyring?: string;
}

export class PrivateApt {
  readonly dir: string;
  readonly debArch: string;
  readonly codename: string;
  private ready?: Promise<void>;
  private kernelIndex?: Promise<Map<string, IndexedDeb[]>>;

  constructor(
    stateRoot: string,
    readonly distroVersion: string,
    readonly arch: Arch,
    private readonly maxListAgeMs = DEFAULT_LIST_AGE_MS,
    private readonly repository?: AptRepository,
  ) {
    // A repository named by targets/ says its own suites; the host's configuration serves its family's.
    const codename = hostAptFamily().apt.suite(distroVersion) ?? repository?.suites[0];
    if (!codename)
      throw new KmodforgeError(
        "UNSUPPORTED_TARGET",
        `no suite known for version ${JSON.stringify(distroVersion)} of the host's apt family`,
      );
    this.codename = codename;
    this.debArch = ARCH_FACTS[arch].deb;
    const scope = repository
      ? `-${createHash("sha256").update(JSON.stringify(repository)).digest("hex").slice(0, 12)}`
      : "";
    this.dir = join(stateRoot, `${codename}-${this.debArch}${scope}`);
  }

  private options(): string[] {
    const o = (k: string, v: string) => ["-o", `${k}=${v}`];
    return [
      ...o("Dir::Etc::SourceList", join(this.dir, "sources.list")),
      ...o("Dir::Etc::SourceParts", join(this.dir, "sources.list.d")),
      ...o("Dir::State::Lists", join(this.dir, "lists")),
      ...o("Dir::State::Status", join(this.dir, "status")),
      ...o("Dir::Cache", join(this.dir, "cache")),
      ...o("APT::Architecture", this.debArch),
      ...o("APT::Architectures", this.debArch),
      ...o("APT::Sandbox::User", "root"),
      ...o("Acquire::Languages", "none"),
      ...o("Acquire::http::Timeout", "20"),
      ...o("Acquire::Retries", "2"),
    ];
  }

  private async repositoryLines(): Promise<string[]> {
    const repo = this.repository;
    if (!repo) return [];
    const signed = repo.keyring
      ? ` signed-by=${repo.keyring}`
      : existsSync(KEYRING)
        ? ` signed-by=${KEYRING}`
        : "";
    return repo.suites.map(
      (suite) => `deb [arch=${this.debArch}${signed}] ${repo.uri} ${suite} ${repo.components.join(" ")}`,
    );
  }

  private async writeSources(): Promise<void> {
    for (const sub of ["lists/partial", "cache/archives/partial", "sources.list.d"])
      await mkdir(join(this.dir, sub), { recursive: true });
    const lines = this.repository ? await this.repositoryLines() : await this.debianLines();
    // Other processes may be running apt on this state right now: an apt that read a half-written (empty)
    // sources.list would drop every list, so the file is replaced whole.
    const sources = join(this.dir, "sources.list");
    const temp = tempBeside(sources);
    await writeFile(temp, `${lines.join("\n")}\n`);
    await rename(temp, sources);
    if (!existsSync(join(this.dir, "status"))) await writeFile(join(this.dir, "status"), "");
  }

  private async debianLines(): Promise<string[]> {
    const mirrors = await hostDebianMirrors();
    const signed = existsSync(KEYRING) ? ` signed-by=${KEYRING}` : "";
    const head = `deb [arch=${this.debArch}${signed}]`;
    const c = this.codename;
    const lines = [
      `${head} ${mirrors.archive} ${c} main`,
      `${head} ${mirrors.archive} ${c}-updates main`,
      `${head} ${mirrors.archive} ${c}-backports main`,
    ];
    if (mirrors.security) lines.push(`${head} ${mirrors.security} ${c}-security main`);
    return lines;
  }

  /** Refreshes the package lists when missing, older than the allowed age, or when `force` is set. */
  async update(force = false): Promise<void> {
    const stamp = join(this.dir, "updated");
    const age = existsSync(stamp) ? Date.now() - (await stat(stamp)).mtimeMs : Number.POSITIVE_INFINITY;
    if (!force && age < this.maxListAgeMs) return;
    const seen = existsSync(stamp) ? await readFile(stamp, "utf8") : "";
    await this.writeSources();
    // Processes sharing this state (parallel tests, a sweep and a build) take turns: apt's own lock would make the
    // second one fail instead of wait. One that waited while another refreshed the lists does not refresh them
    // again (the stamp changed), so lists others are reading are rewritten only when they are really stale.
    const r = await runProcess(
      "flock",
      [
        this.updateLock(),
        "sh",
        "-c",
        'stamp=$1 seen=$2 force=$3 marker=$4; shift 4; [ "$force" = 1 ] || [ "$(cat "$stamp" 2>/dev/null)" = "$seen" ] || { echo "$marker"; exit 0; }; exec "$@"',
        "sh",
        stamp,
        seen,
        force ? "1" : "0",
        REFRESHED_MEANWHILE,
        "apt-get",
        ...this.options(),
        "-q",
        "update",
      ],
      { timeoutMs: 600_000 },
    );
    if (r.code === 0 && r.stdout.trim() === REFRESHED_MEANWHILE) return;
    // A suite that does not exist for this release (e.g. no -backports) only makes apt warn; the lists that did
    // arrive are usable. Fail only when apt got nothing at all.
    const lists = (await readdir(join(this.dir, "lists"))).filter(
      (f) => f.endsWith("_Packages") || f.includes("_Packages."),
    );
    if (lists.length === 0) {
      const why = r.stderr + r.stdout;
      throw new KmodforgeError(
        /NO_PUBKEY|BADSIG|signatures couldn't be verified|is not signed|EXPKEYSIG|Signed-By/.test(why)
          ? "SIGNATURE_INVALID"
          : /Hash Sum mismatch|unexpected size/.test(why)
            ? "CHECKSUM_MISMATCH"
            : "EXTERNAL_TOOL_FAILED",
        `apt-get update (${this.codename}/${this.debArch}) fetched no package lists: ${r.stderr.trim().slice(-800)}`,
      );
    }
    await writeFile(stamp, new Date().toISOString());
  }

  /**
   * Runs an apt command that reads the lists, holding the update lock shared: a refresh by another process waits
   * until no reader is in the middle of the lists and caches it rewrites, and readers wait for a refresh to end.
   */
  private read(tool: "apt-cache" | "apt-get", args: string[], options: RunOptions) {
    return runProcess("flock", ["--shared", this.updateLock(), tool, ...this.options(), ...args], options);
  }

  private updateLock(): string {
    return join(this.dir, ".update.lock");
  }

  private ensure(): Promise<void> {
    this.ready ??= this.update();
    return this.ready;
  }

  /** The candidate version of a package, or undefined when the suites don't have it. */
  async show(name: string): Promise<DebPackage | undefined> {
    if (!PACKAGE_NAME.test(name))
      throw new KmodforgeError("INVALID_INPUT", `not a Debian package name: ${JSON.stringify(name)}`);
    await this.ensure();
    const r = await this.read("apt-cache", ["show", "--no-all-versions", name], { timeoutMs: 60_000 });
    if (r.code !== 0) return undefined;
    return debPackage(parseDeb822(r.stdout)[0]);
  }

  /** The mirror URL apt would fetch a package version from (`apt-get download --print-uris`). */
  async uri(name: string, version: string): Promise<string | undefined> {
    if (!PACKAGE_NAME.test(name) || !DEB_VERSION.test(version))
      throw new KmodforgeError(
        "INVALID_INPUT",
        `not a Debian package: ${JSON.stringify(`${name}=${version}`)}`,
      );
    await this.ensure();
    const r = await this.read("apt-get", ["-q", "download", "--print-uris", `${name}=${version}`], {
      timeoutMs: 60_000,
    });
    const m = /^'([^']+)'/m.exec(r.stdout);
    return r.code === 0 && m ? m[1] : undefined;
  }

  /** The suite (pocket) a package version is published in, e.g. `bookworm-security`, from `apt-cache policy`. */
  async suiteOf(name: string, version: string): Promise<string | undefined> {
    if (!PACKAGE_NAME.test(name)) return undefined;
    await this.ensure();
    const r = await this.read("apt-cache", ["policy", name], { timeoutMs: 60_000 });
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) => l.replace("***", "").trim().split(/\s+/)[0] === version);
    for (const line of lines.slice(at + 1)) {
      const m = /^\s+-?\d+\s+\S+\s+([a-z0-9-]+)\/[a-z0-9/-]+\s/.exec(line);
      if (m) return m[1];
      if (!/^\s+-?\d+\s/.test(line)) break;
    }
    return undefined;
  }

  /**
   * Every kernel package (`linux-*`) of this state's signature-checked lists, keyed by name: each version with the
   * suite it is published in and its download URL, newest first. Read once per instance: one pass over the lists
   * instead of an apt-cache call per package.
   */
  kernelPackages(): Promise<Map<string, IndexedDeb[]>> {
    this.kernelIndex ??= (async () => {
      await this.ensure();
      const mirrors = this.repository ? { archive: this.repository.uri } : await hostDebianMirrors();
      const listsDir = join(this.dir, "lists");
      const index = new Map<string, IndexedDeb[]>();
      for (const name of (await readdir(listsDir)).filter((f) => /_Packages(\.[a-z0-9]+)?$/.test(f)).sort()) {
        const suite = suiteFromListName(name);
        if (!suite) continue;
        const base = (
          suite.endsWith("-security") && "security" in mirrors && mirrors.security
            ? mirrors.security
            : mirrors.archive
        ).replace(/\/$/, "");
        for (const stanza of parseDeb822(kernelStanzas(await readAptList(join(listsDir, name))))) {
          const pkg = debPackage(stanza);
          if (!pkg) continue;
          const versions = index.get(pkg.name) ?? [];
          if (versions.some((v) => v.version === pkg.version)) continue;
          versions.push({ ...pkg, url: `${base}/${pkg.filename}`, suite });
          versions.sort((a, b) => compareDebVersions(b.version, a.version));
          index.set(pkg.name, versions);
        }
      }
      return index;
    })();
    return this.kernelIndex;
  }

  /** Package names matching an anchored regular expression (apt-cache's own regex syntax). */
  async names(pattern: string): Promise<string[]> {
    await this.ensure();
    const r = await this.read("apt-cache", ["search", "--names-only", pattern], { timeoutMs: 60_000 });
    return r.stdout
      .split("\n")
      .map((l) => l.split(" - ")[0]!.trim())
      .filter((n) => PACKAGE_NAME.test(n));
  }

  /** Downloads the candidate of a package into `destDir` and checks it against the signed metadata's sha256. */
  async download(name: string, destDir: string): Promise<DownloadedDeb> {
    const pkg = await this.show(name);
    if (!pkg)
      throw new KmodforgeError(
        "HEADERS_UNAVAILABLE",
        `package ${name} (${this.debArch}) is not in ${this.codename}, -updates, -backports or -security on the configured mirror`,
      );
    await mkdir(destDir, { recursive: true });
    const work = await mkdtemp(join(destDir, ".download-"));
    try {
      const r = await this.read("apt-get", ["-q", "download", `${pkg.name}=${pkg.version}`], {
        cwd: work,
        timeoutMs: 600_000,
      });
      const files = (await readdir(work)).filter((f) => f.endsWith(".deb"));
      if (r.code !== 0 || files.length !== 1) {
        throw new KmodforgeError(
          "EXTERNAL_TOOL_FAILED",
          `apt-get download ${pkg.name}=${pkg.version} failed: ${r.stderr.trim().slice(-800)}`,
        );
      }
      const path = join(destDir, files[0]!);
      const sha256 = createHash("sha256")
        .update(await readFile(join(work, files[0]!)))
        .digest("hex");
      if (sha256 !== pkg.sha256)
        throw new KmodforgeError(
          "CHECKSUM_MISMATCH",
          `${files[0]}: expected sha256 ${pkg.sha256}, got ${sha256}`,
        );
      await rename(join(work, files[0]!), path);
      return { ...pkg, path };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}
