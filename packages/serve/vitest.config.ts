import { defineConfig } from "vitest/config";
import { rlVitestConfig } from "../../vitest.shared.js";

export default defineConfig(rlVitestConfig());
