import { defineConfig } from "vitest/config";

// No "@rl/source" condition here: these tests use the built packages, as users do.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
  },
});
