import { gsm8kVerlReward, minervaVerlReward, verlMathReward } from "@rl/rewards";
import type { OpTable } from "../types.js";

/** Conformance ops of this area (see tools/conformance/vectors/README.md). */
export const rewardsVerifiableOps: OpTable = {
  "reward.minervaVerl": (a) => {
    const r = minervaVerlReward(a.solution as string, a.groundTruth as string, { strictBox: a.strictBox === true });
    return { score: r.score, correct: r.correct, prediction: r.prediction };
  },
  "reward.mathEquivVerl": (a) => ({
    score: verlMathReward(a.solution as string, a.groundTruth as string).score,
  }),
  "reward.gsm8kVerl": (a) => ({
    score: gsm8kVerlReward(a.solution as string, a.groundTruth as string, {
      method: a.method as "strict" | "flexible",
      formatScore: a.formatScore as number,
      score: a.score as number,
    }).score,
  }),
};
