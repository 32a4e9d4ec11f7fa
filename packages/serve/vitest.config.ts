import { defineConfig } from "vitest/config";
import { rlVitestConfig } from "../../vitest.shared.js";

// No tensor backend here: the server and the queue load only @rl/core/arrays and the array-only
// folders of @rl/rewards. The queue tests spawn processes and a redis-server, so files run one at a time.
const config = rlVitestConfig([]);
export default defineConfig({ ...config, test: { ...config.test, fileParallelism: false } });
