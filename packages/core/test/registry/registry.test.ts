import { z } from "zod";
import { describe, expect, it } from "vitest";
import { createRegistry, defineDefinition } from "../../src/index.js";

const lengthPenalty = defineDefinition({
  kind: "reward-function",
  name: "acme/length-penalty",
  version: "1.0.0",
  specVersion: "v1",
  configSchema: z.object({ per: z.number().positive().default(0.01) }),
  create: ({ per }) => (text: string) => -per * text.length,
});

describe("registry", () => {
  it("registers explicitly, creates with parsed config (defaults filled)", () => {
    const r = createRegistry().register(lengthPenalty);
    expect(r.has("reward-function", "acme/length-penalty")).toBe(true);
    expect(r.create<(t: string) => number>("reward-function", "acme/length-penalty")("abcd")).toBeCloseTo(-0.04);
    expect(r.create<(t: string) => number>("reward-function", "acme/length-penalty", { per: 1 })("ab")).toBe(-2);
    expect(r.list("reward-function").map((d) => d.name)).toEqual(["acme/length-penalty"]);
    expect(Object.isFrozen(lengthPenalty)).toBe(true);
  });

  it("starts empty: nothing registers itself on import", () => {
    expect(createRegistry().list()).toEqual([]);
  });

  it("gives clear errors: duplicate, unknown name, bad config, spec version, bad name", () => {
    const r = createRegistry().register(lengthPenalty);
    expect(() => r.register(lengthPenalty)).toThrow(/already registered/);
    expect(() => r.get("reward-function", "acme/nope")).toThrow('registry: no reward-function named "acme/nope"; registered: acme/length-penalty');
    expect(() => r.create("reward-function", "acme/length-penalty", { per: -1 })).toThrow(/invalid config: per/);
    expect(() => createRegistry().register({ ...lengthPenalty, specVersion: "v9" })).toThrow(/targets plugin spec "v9"/);
    expect(() => defineDefinition({ ...lengthPenalty, name: "NoNamespace" })).toThrow(/namespace\/name/);
    expect(() => defineDefinition({ ...lengthPenalty, version: "1" })).toThrow(/not semver/);
  });
});

describe("parseConfig", () => {
  it("rejects unknown keys, naming them", async () => {
    const { parseConfig } = await import("../../src/index.js");
    const schema = z.object({ beta: z.number().default(0.1) });
    expect(parseConfig(schema, {}, "f")).toEqual({ beta: 0.1 });
    expect(() => parseConfig(schema, { betta: 1 }, "f")).toThrow(/f: invalid config: .*betta/);
  });
});
