import { readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CACHE_SUBDIRS, cacheSubdir, defaultCacheRoot } from "../../src/adapters/cache-dir.js";
import { COMMANDS } from "../../src/cli/commands/index.js";

/** One cache-directory rule (docs/cache.md), used by every command. */

const ROOT = join(import.meta.dirname, "../..");

/** A command's --help as the CLI prints it, with the environment given (defaults are read at registration). */
function help(command: string, env: Record<string, string>): string {
  for (const [k, v] of Object.entries({ KMODFORGE_CACHE: "", XDG_CACHE_HOME: "", ...env })) vi.stubEnv(k, v);
  const program = new Command("kmodforge");
  for (const register of COMMANDS) register(program);
  const cmd = program.commands.find((c) => c.name() === command);
  if (!cmd) throw new Error(`no command ${command}`);
  return cmd.helpInformation().replace(/\s+/g, " ");
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("cache directory", () => {
  it("KMODFORGE_CACHE, else an absolute XDG_CACHE_HOME/kmodforge, else ~/.cache/kmodforge", () => {
    expect(defaultCacheRoot({ KMODFORGE_CACHE: "/srv/kmf", XDG_CACHE_HOME: "/xdg" })).toBe("/srv/kmf");
    expect(defaultCacheRoot({ KMODFORGE_CACHE: "rel/dir" })).toBe(join(process.cwd(), "rel/dir"));
    expect(defaultCacheRoot({ XDG_CACHE_HOME: "/xdg" })).toBe("/xdg/kmodforge");
    expect(defaultCacheRoot({ KMODFORGE_CACHE: "", XDG_CACHE_HOME: "/xdg" })).toBe("/xdg/kmodforge");
    // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
    expect(defaultCacheRoot({ XDG_CACHE_HOME: "relative" })).toBe(join(homedir(), ".cache/kmodforge"));
    expect(defaultCacheRoot({})).toBe(join(homedir(), ".cache/kmodforge"));
  });

  it("names each kind of content once", () => {
    expect(cacheSubdir("apt", "/c")).toBe("/c/apt");
    expect(cacheSubdir("packages", "/c")).toBe("/c/packages");
    expect(new Set(Object.values(CACHE_SUBDIRS)).size).toBe(Object.keys(CACHE_SUBDIRS).length);
  });

  it("sweep, matrix, build and verify default to the same cache (sweep's apt state is build's)", () => {
    const env = { XDG_CACHE_HOME: "/tmp/xdg-kmodforge-test" };
    const [sweep, matrix, build, verify] = ["sweep", "matrix", "build", "verify"].map((c) => help(c, env));
    expect(sweep).toContain(
      '--apt-root <dir> private apt state for --debian (default: "/tmp/xdg-kmodforge-test/kmodforge/apt")',
    );
    expect(matrix).toContain('(default: "/tmp/xdg-kmodforge-test/kmodforge/apt")');
    expect(build).toContain("(default /tmp/xdg-kmodforge-test/kmodforge;");
    expect(verify).toContain("with --boot /tmp/xdg-kmodforge-test/kmodforge/boot;");
    expect(help("sweep", { KMODFORGE_CACHE: "/srv/kmf" })).toContain('(default: "/srv/kmf/apt")');
  });

  it("no other file under src/ builds a cache path of its own", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
      );
    const offenders = files(join(ROOT, "src"))
      .filter((f) => !f.endsWith("adapters/cache-dir.ts"))
      .filter((f) =>
        /homedir\(|XDG_CACHE_HOME|KMODFORGE_CACHE|["'`]\.cache["'`/]|\.kmodforge\/apt/.test(
          readFileSync(f, "utf8"),
        ),
      )
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});
