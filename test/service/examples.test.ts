import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOADER_EXIT_CODES } from "../../src/core/service/loader-exit-codes.js";
import { requireOrSkip, tool } from "../support/prerequisites.js";
import { daemonSetExample, REPO } from "./support.js";

/**
 * What ships for nodes stays runnable: the loader script is POSIX sh whose exit codes are the documented ones, and
 * the deployment examples in docs/examples/ stay runnable: every loader option they pass is one the loader knows
 * (its --help), the DaemonSet mounts what the loader reads under its --root, and the systemd unit's exit statuses
 * that stop retries are the loader's refusal codes.
 */

const read = (path: string) => readFile(join(REPO, path), "utf8");

async function loaderOptions(): Promise<Set<string>> {
  return new Set(
    (await read("scripts/kmodforge-loader.sh")).match(/^ {2}(--[a-z-]+)/gm)?.map((o) => o.trim()),
  );
}

describe("deployment examples", () => {
  it("the DaemonSet runs the loader with known options and mounts the host's os-release and modules under --root", async () => {
    const { init, volumes } = daemonSetExample();
    const command = init.command;
    expect(command[0]).toBe("kmodforge-loader");
    const known = await loaderOptions();
    for (const option of command.filter((a) => a.startsWith("--"))) expect(known).toContain(option);
    const root = command[command.indexOf("--root") + 1]!;
    const mounted = new Map(
      init.volumeMounts.map((m) => [m.mountPath, volumes.find((v) => v.name === m.name)?.hostPath?.path]),
    );
    expect(mounted.get(`${root}/etc/os-release`)).toBe("/etc/os-release");
    expect(mounted.get(`${root}/lib/modules`)).toBe("/lib/modules");
    const dockerfile = await read("dockerfiles/loader.Dockerfile");
    expect(dockerfile).toContain("COPY scripts/kmodforge-loader.sh /usr/local/bin/kmodforge-loader");
  });

  it("the systemd unit runs the loader with known options and stops retrying on refusals", async () => {
    const unit = await read("docs/examples/kmodforge-loader.service");
    const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? "";
    expect(exec.split(" ")[0]).toBe("/usr/local/sbin/kmodforge-loader");
    const known = await loaderOptions();
    for (const option of exec.split(" ").filter((a) => a.startsWith("--"))) expect(known).toContain(option);
    const codes = LOADER_EXIT_CODES;
    expect(/^RestartPreventExitStatus=(.*)$/m.exec(unit)?.[1]?.split(" ").map(Number)).toEqual([
      codes.USAGE,
      codes.IDENTITY,
      codes.CHECKSUM,
      codes.SIGNATURE,
    ]);
  });
});

describe("kmodforge-loader.sh as shipped", () => {
  const loader = join(REPO, "scripts/kmodforge-loader.sh");

  it("exits with LOADER_EXIT_CODES: the script's EXIT_* values are the documented ones", async () => {
    const assigned = Object.fromEntries(
      [...(await read("scripts/kmodforge-loader.sh")).matchAll(/\bEXIT_([A-Z_]+)=(\d+)/g)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    expect(assigned).toEqual(LOADER_EXIT_CODES);
  });

  it("parses under dash and busybox sh, and is POSIX sh by shellcheck's account (warnings and errors)", (ctx) => {
    requireOrSkip(ctx, tool("dash"), tool("busybox"), tool("shellcheck"));
    for (const shell of [["dash"], ["busybox", "sh"]])
      expect(() => execFileSync(shell[0]!, [...shell.slice(1), "-n", loader])).not.toThrow();
    expect(() => execFileSync("shellcheck", ["-s", "sh", "-S", "warning", loader])).not.toThrow();
  });
});
