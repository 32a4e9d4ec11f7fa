import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { filesUnder, jsExamples, runModule } from "./run-node.js";

const root = new URL("../../..", import.meta.url).pathname;

function markdownFiles(): string[] {
  return [join(root, "README.md"), ...filesUnder(join(root, "docs"), (name) => name.endsWith(".md"))];
}

describe("every js example in README.md and docs/ runs and prints what the page says", () => {
  for (const file of markdownFiles()) {
    const examples = jsExamples(readFileSync(file, "utf8"));
    for (const ex of examples) {
      it(`${relative(root, file)}:${ex.line}`, async () => {
        const { stdout } = await runModule(ex.code, `${relative(root, file)}-${ex.line}`);
        if (ex.expected !== undefined) expect(stdout.trim()).toBe(ex.expected.trim());
      });
    }
  }

  it("the README has a runnable example with its output", () => {
    const readme = jsExamples(readFileSync(join(root, "README.md"), "utf8"));
    expect(readme.length).toBeGreaterThan(0);
    expect(readme[0]?.expected).toBeDefined();
  });
});
