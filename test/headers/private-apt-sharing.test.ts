import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PrivateApt } from "../../src/adapters/private-apt.js";

/**
 * Processes sharing one private apt state (a sweep, its builds, parallel test files): one that waited while another
 * refreshed the lists does not refresh them again under the readers' feet, and sources.list is replaced whole.
 */
const root = await mkdtemp(join(tmpdir(), "kmodforge-apt-share-"));
afterAll(async () => rm(root, { recursive: true, force: true }));

/** Holds the update lock as another process refreshing the lists would; resolves once it holds it. */
function holdLock(lock: string): Promise<{ release: () => Promise<void> }> {
  const child = spawn("flock", [lock, "sh", "-c", "echo held; read line"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.stdout.once("data", () =>
      resolve({
        release: () =>
          new Promise((done) => {
            child.on("exit", () => done());
            child.stdin.end("\n");
          }),
      }),
    );
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(condition()).toBe(true);
}

describe("a private apt state shared by several processes", () => {
  it("a process that waited while another refreshed the lists uses them as they are", async () => {
    const apt = new PrivateApt(root, "12", "x86_64");
    const stamp = join(apt.dir, "updated");
    // Lists refreshed long ago: stale for every process.
    await mkdir(join(apt.dir, "lists"), { recursive: true });
    await writeFile(join(apt.dir, "lists", "mirror_dists_bookworm_main_binary-amd64_Packages"), "");
    await writeFile(stamp, "refreshed long ago");
    const old = new Date(Date.now() - 7 * 3600_000);
    await utimes(stamp, old, old);

    const other = await holdLock(join(apt.dir, ".update.lock"));
    const waiting = apt.update();
    // sources.list is written after the stale stamp was read and before the lock is asked for.
    await until(() => existsSync(join(apt.dir, "sources.list")));
    await writeFile(stamp, "refreshed by the other process");
    await other.release();
    await waiting;

    expect(await readFile(stamp, "utf8")).toBe("refreshed by the other process");
    expect(await readFile(join(apt.dir, "sources.list"), "utf8")).toMatch(
      /^deb \[arch=amd64[^\]]*\] \S+ bookworm main$/m,
    );
    expect((await readdir(apt.dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
