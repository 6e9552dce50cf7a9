import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A throwaway GnuPG home for signing fixture repositories. gpg starts a gpg-agent for the home on first use (and
 * may start other daemons); they outlive the test run unless stopped, so a test that uses a home calls `stop()` in
 * its teardown and expects nothing left.
 */
export interface GpgHome {
  dir: string;
  /** Runs gpg on this home in batch mode, keys without a passphrase. */
  gpg(...args: string[]): Buffer;
  /** Ends every daemon gpg started for this home; returns those still running after 5 s (none, normally). */
  stop(): Promise<string[]>;
}

/** Processes whose command line names `dir` (gpg-agent runs as `gpg-agent --homedir <dir> … --daemon`). */
function processesUsing(dir: string): string[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
        return cmdline.includes(dir) ? [`${pid} ${cmdline}`] : [];
      } catch {
        return []; // it ended while we looked
      }
    });
}

export function gpgHome(dir: string): GpgHome {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    dir,
    gpg: (...args) =>
      execFileSync(
        "gpg",
        ["--homedir", dir, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", ...args],
        { stdio: "pipe" },
      ),
    async stop() {
      execFileSync("gpgconf", ["--homedir", dir, "--kill", "all"], { stdio: "pipe" });
      for (let i = 0; i < 50 && processesUsing(dir).length > 0; i++) await sleep(100);
      return processesUsing(dir);
    },
  };
}
