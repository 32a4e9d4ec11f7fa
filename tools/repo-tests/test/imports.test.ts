import { describe, expect, it } from "vitest";
import { runModule } from "./run-node.js";

describe("the built packages import by name from a plain Node ESM script", () => {
  for (const pkg of ["@rl/core", "@rl/credit", "@rl/alignment", "@rl/rewards"]) {
    it(pkg, async () => {
      const { stdout } = await runModule(
        `import * as m from "${pkg}";\nimport { createRequire } from "node:module";\n` +
          `const p = createRequire(import.meta.url).resolve("${pkg}");\nconsole.log(JSON.stringify({ n: Object.keys(m).length, p }));\n`,
        `import-${pkg}`,
      );
      const { n, p } = JSON.parse(stdout) as { n: number; p: string };
      expect(p).toMatch(/dist\/index\.js$/); // the built file, not the TypeScript source
      expect(n).toBeGreaterThan(0);
    });
  }

  it("@rl/core readies wasm and computes from a plain script", async () => {
    const { stdout, stderr } = await runModule(
      `import { ready, klEstimate } from "@rl/core";\nconst b = await ready();\nconsole.log(b.backend, klEstimate([[0]], [[0]]).get(0, 0));\n`,
      "core-wasm",
    );
    expect(stdout.trim()).toBe("wasm 0");
    expect(stderr).not.toMatch(/Hi, looks like you are running TensorFlow\.js in Node/);
  });
});
