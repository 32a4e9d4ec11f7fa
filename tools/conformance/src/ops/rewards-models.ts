import { bradleyTerryLoss } from "@rl/rewards";
import type { OpTable } from "../types.js";

/** Conformance ops of this area (see tools/conformance/vectors/README.md). */
export const rewardsModelsOps: OpTable = {
  "loss.bradleyTerry": (a) => {
    const { loss, metrics } = bradleyTerryLoss(
      {
        chosenRewards: a.chosenRewards as number[],
        rejectedRewards: a.rejectedRewards as number[],
        ...(a.margins === undefined || a.margins === null ? {} : { margins: a.margins as number[] }),
      },
      { centerCoefficient: (a.centerCoefficient as number | null | undefined) ?? null },
    );
    const value = loss.dataSync()[0] as number;
    loss.dispose();
    return { loss: value, accuracy: metrics.accuracy };
  },
};
