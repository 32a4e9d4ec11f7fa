import { defineConfig } from "vitest/config";
import { rlVitestConfig } from "../../vitest.shared.js";

const config = rlVitestConfig([]);
export default defineConfig({ ...config, test: { ...config.test, include: ["test/**/*.test.mjs"] } });
