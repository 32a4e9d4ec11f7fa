import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../../", import.meta.url);
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(path, root), "utf8")) as Record<string, unknown>;

describe("plugin package conventions (docs/plugins.md)", () => {
  const template = json("plugins/template/package.json");
  const example = json("plugins/example-rank-advantages/package.json");

  it("the template is named rl-plugin-<name>, an ES module without side effects, with types/main/exports", () => {
    expect(template.name).toMatch(/^(@[a-z0-9-]+\/)?rl-plugin-[a-z0-9-]+$/);
    for (const pkg of [template, example]) {
      expect(pkg.type).toBe("module");
      expect(pkg.sideEffects).toBe(false);
      expect(pkg.main).toBe("./dist/index.js");
      expect(pkg.types).toBe("./dist/index.d.ts");
      expect(pkg.exports).toMatchObject({ ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } });
      expect(pkg.keywords).toEqual(expect.arrayContaining(["rl-plugin", "rlhf"]));
      expect(pkg.dependencies).toBeUndefined(); // @rl, zod and tfjs are peers: one copy each
    }
  });

  it("the template takes @rl/core, zod and an exactly pinned tfjs-core as peers", () => {
    const peers = template.peerDependencies as Record<string, string>;
    expect(Object.keys(peers).sort()).toEqual(["@rl/core", "@tensorflow/tfjs-core", "zod"]);
    // core takes tfjs-core as an (optional) peer since the light install: the template pins the same version
    const coreDeps = json("packages/core/package.json").peerDependencies as Record<string, string>;
    expect(peers["@tensorflow/tfjs-core"]).toBe(coreDeps["@tensorflow/tfjs-core"]);
    expect((example.peerDependencies as Record<string, string>)["@rl/credit"]).toBe("workspace:^");
  });

  it("the definition's version is the package version", () => {
    const src = readFileSync(new URL("plugins/template/src/index.ts", root), "utf8");
    expect(/version: "([^"]+)"/.exec(src)?.[1]).toBe(template.version);
    const exampleSrc = readFileSync(new URL("plugins/example-rank-advantages/src/rank-advantages.ts", root), "utf8");
    expect(/version: "([^"]+)"/.exec(exampleSrc)?.[1]).toBe(example.version);
  });

  it("the template is not a workspace package; the examples are", () => {
    const yaml = readFileSync(new URL("pnpm-workspace.yaml", root), "utf8");
    const globs = [...yaml.matchAll(/^\s+-\s+"([^"]+)"/gm)].map((m) => m[1] as string);
    const matches = (path: string) => globs.some((g) => new RegExp(`^${g.replace(/\*/g, "[^/]*")}$`).test(path));
    expect(matches("plugins/template")).toBe(false);
    expect(matches("plugins/example-rank-advantages")).toBe(true);
  });
});
