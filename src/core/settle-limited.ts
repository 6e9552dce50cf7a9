/**
 * Bounded parallelism: fan-out inside one Dagger call (the engine does not cap concurrent execs, so a chunk of fifty
 * kernels would otherwise start fifty compiles at once on a small runner) and uploads while publishing.
 */

/** Runs `task` over `items` with at most `limit` in flight; never rejects, like Promise.allSettled. */
export async function settleLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const width = Math.max(1, Math.min(Math.floor(limit) || 1, items.length || 1));
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as T;
      try {
        results[index] = { status: "fulfilled", value: await task(item, index) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.allSettled(Array.from({ length: width }, worker));
  return results;
}
