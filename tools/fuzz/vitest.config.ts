import { defineConfig } from "vitest/config";
import { rlVitestConfig } from "../../vitest.shared.js";

const base = rlVitestConfig([]);
export default defineConfig({
  ...base,
  test: { ...base.test, include: ["fuzz/**/*.fuzz.ts", "bench/**/*.cost.ts"], testTimeout: 3_600_000, reporters: ["dot"], fileParallelism: false },
});
