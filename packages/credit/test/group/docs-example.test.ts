import { describe, expect, it } from "vitest";
import type { Matrix } from "@rl/core";
import {
  adaptiveKlController,
  assignCredit,
  gaeAdvantages,
  gpgAdvantages,
  grpoAdvantages,
  klPenalizedRewards,
  opoAdvantages,
  reinforcePlusPlusAdvantages,
  reinforcePlusPlusBaselineAdvantages,
  remaxAdvantages,
  rlooAdvantages,
} from "../../src/index.js";

// The runnable example of docs/credit/group.md, with the numbers the page prints.
const round = (m: Matrix) => m.toArray().map((r) => r.map((x) => +x.toFixed(4)));

describe("docs/credit/group.md example", () => {
  const batch = {
    tokenRewards: [[0, 0, 1], [0, 0, 0], [0, 1, 0], [0, 0, 0]],
    mask: [[1, 1, 1], [1, 1, 1], [1, 1, 0], [1, 0, 0]],
    groups: ["q1", "q1", "q1", "q1"],
  };

  it("group estimators", () => {
    expect(round(grpoAdvantages(batch).advantages)).toEqual([[0.866, 0.866, 0.866], [-0.866, -0.866, -0.866], [0.866, 0.866, 0], [-0.866, 0, 0]]);
    expect(round(grpoAdvantages(batch, { normalizeByStd: false }).advantages)).toEqual([[0.5, 0.5, 0.5], [-0.5, -0.5, -0.5], [0.5, 0.5, 0], [-0.5, 0, 0]]);
    const rloo = [[0.6667, 0.6667, 0.6667], [-0.6667, -0.6667, -0.6667], [0.6667, 0.6667, 0], [-0.6667, 0, 0]];
    expect(round(rlooAdvantages(batch).advantages)).toEqual(rloo);
    expect(round(assignCredit("rloo", batch).advantages)).toEqual(rloo);
    expect(round(opoAdvantages(batch).advantages)).toEqual([[0.4444, 0.4444, 0.4444], [-0.5556, -0.5556, -0.5556], [0.4444, 0.4444, 0], [-0.5556, 0, 0]]);
    expect(round(gpgAdvantages(batch).advantages)).toEqual([[1, 1, 1], [-1, -1, -1], [1, 1, 0], [-1, 0, 0]]);
    expect(round(reinforcePlusPlusBaselineAdvantages(batch).advantages)).toEqual([
      [0.8433, 0.8433, 0.8433],
      [-1.0541, -1.0541, -1.0541],
      [0.8433, 0.8433, 0],
      [-1.0541, 0, 0],
    ]);
  });

  it("KL in the reward, REINFORCE++, ReMax, GAE and the adaptive controller", () => {
    const kl = klPenalizedRewards(
      { tokenRewards: [[0, 0, 1]], logProbs: [[-1, -0.5, -2]], refLogProbs: [[-1.2, -0.5, -1.5]], mask: [[1, 1, 1]] },
      { beta: 0.1 },
    );
    expect(round(kl.tokenRewards)).toEqual([[-0.02, 0, 1.05]]);
    expect(kl.meanKl).toBeCloseTo(-0.1, 6);
    expect(round(reinforcePlusPlusAdvantages({ tokenRewards: kl.tokenRewards, mask: [[1, 1, 1]] }, { whiten: false }).returns)).toEqual([[1.03, 1.05, 1.05]]);
    expect(round(remaxAdvantages({ tokenRewards: kl.tokenRewards, mask: [[1, 1, 1]], baselines: [0.4] }).advantages)).toEqual([[0.63, 0.65, 0.65]]);
    const g = gaeAdvantages({ tokenRewards: [[0, 0, 1]], values: [[0.5, 0.6, 0.8]], mask: [[1, 1, 1]] }, { lambda: 0.95 });
    expect(round(g.advantages)).toEqual([[0.8424, 0.2628, -1.1052]]);
    expect(round(g.returns)).toEqual([[0.9705, 0.99, 1]]);
    const ctl = adaptiveKlController();
    let state = ctl.init();
    const betas: string[] = [];
    for (const k of [0.2, 0.2, 0.05]) {
      state = ctl.update({ kl: k, steps: 256 }, state).state;
      betas.push(state.beta.toPrecision(8));
    }
    expect(betas).toEqual(["0.0010051200", "0.0010102662", "0.0010050937"]);
  });
});
