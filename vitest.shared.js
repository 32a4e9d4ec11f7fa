// Shared vitest settings: tests run against the packages' TypeScript sources through the
// "@rl/source" export condition (ecosystem.md P10), so a test never needs a stale dist/.
/** @param {string[]} [setupFiles]
 * @returns {import("vitest/config").UserConfig} */
export function rlVitestConfig(setupFiles = ["./test/setup.ts"]) {
  const conditions = ["@rl/source"];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      include: ["test/**/*.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
      setupFiles,
      pool: "forks",
    },
  };
}
