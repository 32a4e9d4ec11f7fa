import { createRegistry, type Matrix } from "@rl/core";
import { describe, expect, it } from "vitest";
import { processDefinitions, type PureInput } from "../../src/process/index.js";
import type { GigpoInput } from "../../src/step/index.js";

describe("processDefinitions", () => {
  it("register as credit-assigners and create estimators with their parsed config", () => {
    const registry = createRegistry();
    for (const d of processDefinitions) registry.register(d);
    expect(registry.list("credit-assigner").map((d) => d.name)).toEqual([
      "rl/capo",
      "rl/gigpo",
      "rl/macro-gae",
      "rl/posterior-grpo",
      "rl/prime",
      "rl/pure-min-form",
    ]);
    const pure = registry.create<(b: PureInput) => { advantages: Matrix }>("credit-assigner", "rl/pure-min-form", {
      mode: "PRM",
      baseline: "none",
      normalize: false,
    });
    const out = pure({ stepRewards: [[0.8, -0.5, 0.6]], stepMask: [[1, 1, 1]], stepEnds: [[2, 4, 6]], mask: [[1, 1, 1, 1, 1, 1, 1]], groups: [0] });
    expect(out.advantages.get(0, 0)).toBeCloseTo(-0.4999787, 6);
    expect(out.advantages.data).toBeInstanceOf(Float32Array);
    const pure64 = registry.create<(b: PureInput) => { advantages: Matrix }>("credit-assigner", "rl/pure-min-form", { dtype: "float64" });
    expect(pure64({ stepRewards: [[0.8]], stepMask: [[1]], stepEnds: [[0]], mask: [[1]], groups: [0], solved: [1] }).advantages.data).toBeInstanceOf(
      Float64Array,
    );
    const gigpo = registry.create<(b: GigpoInput) => { advantages: Matrix }>("credit-assigner", "rl/gigpo", { stepAdvantageWeight: 0 });
    const g = gigpo({ mask: [[1], [1]], groups: [0, 0], trajectories: [0, 1], anchors: ["a", "a"], episodeReturns: [1, 0], stepReturns: [1, 0] });
    expect(g.advantages.toArray()).toEqual([[0.5], [-0.5]]);
  });
  it("bad config is rejected by the registry", () => {
    const registry = createRegistry();
    for (const d of processDefinitions) registry.register(d);
    expect(() => registry.create("credit-assigner", "rl/prime", { baseline: "nope" })).toThrow(/invalid config/);
  });
});
