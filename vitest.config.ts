import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: "forks",
    maxWorkers: 2,
    // A page under a busy machine (two test files building kernels beside it) may take seconds to redraw.
    expect: { poll: { timeout: 15_000 } },
  },
});
