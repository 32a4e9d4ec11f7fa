import { spoChainAdvantages, tempoAdvantages, type CutValues } from "@rl/credit";
import type { MatrixLike } from "@rl/core";
import type { OpTable } from "../types.js";

/** Conformance ops of @rl/credit's tree/ and segment/ folders (see tools/conformance/vectors/README.md). */
export const creditTreeOps: OpTable = {
  "advantage.tempo": (a) => ({
    advantages: tempoAdvantages(
      {
        tokenRewards: a.tokenRewards as MatrixLike,
        tokenIds: a.responses as MatrixLike,
        mask: a.mask as MatrixLike,
        groups: a.groups as (string | number)[],
      },
      { epsilon: a.epsilon as number, normalizeByStd: a.normalizeByStd as boolean },
    ).advantages.toArray(),
  }),
  "segment.spoChain": (a) => {
    const r = spoChainAdvantages(
      { probs: a.probs as MatrixLike, cutValues: a.cutValues as CutValues, score: a.score as number },
      { threshold: a.threshold as number, interval: a.interval as number },
    );
    return { cutpoints: Array.from(r.cutpoints), advantages: r.advantages.toFlatArray(), lossMask: r.lossMask.toFlatArray() };
  },
};
