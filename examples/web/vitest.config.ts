import { defineConfig } from "vitest/config";

// Node environment, no "@rl/source" condition: the test imports the built dist/ of the @rl
// packages, like the browser bundle does.
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
    pool: "forks",
  },
});
