import {
  gaeAdvantages,
  gpgAdvantages,
  grpoAdvantages,
  grpoPasskAdvantages,
  opoAdvantages,
  reinforcePlusPlusAdvantages,
  reinforcePlusPlusBaselineAdvantages,
  remaxAdvantages,
  rlooAdvantages,
  type GroupIds,
} from "@rl/credit";
import type { MatrixLike } from "@rl/core";
import type { OpTable } from "../types.js";

type Args = Record<string, unknown>;

const groupBatch = (a: Args) => ({
  tokenRewards: a.tokenRewards as MatrixLike,
  mask: a.mask as MatrixLike,
  groups: a.groups as GroupIds,
});
const tokenBatch = (a: Args) => ({ tokenRewards: a.tokenRewards as MatrixLike, mask: a.mask as MatrixLike });

/** Conformance ops of @rl/credit section A (see tools/conformance/vectors/README.md). */
export const creditGroupOps: OpTable = {
  "advantage.grpo": (a) => ({
    advantages: grpoAdvantages(groupBatch(a), {
      epsilon: a.epsilon as number,
      normalizeByStd: a.normalizeByStd as boolean,
    }).advantages.toArray(),
  }),
  "advantage.grpoPassk": (a) => ({
    advantages: grpoPasskAdvantages(groupBatch(a), {
      epsilon: a.epsilon as number,
      normalizeByStd: a.normalizeByStd as boolean,
    }).advantages.toArray(),
  }),
  "advantage.gpg": (a) => ({ advantages: gpgAdvantages(groupBatch(a), { fNorm: a.fNorm as number }).advantages.toArray() }),
  "advantage.rloo": (a) => ({ advantages: rlooAdvantages(groupBatch(a)).advantages.toArray() }),
  "advantage.opo": (a) => ({ advantages: opoAdvantages(groupBatch(a)).advantages.toArray() }),
  "advantage.reinforcePlusPlusBaseline": (a) => ({
    advantages: reinforcePlusPlusBaselineAdvantages(groupBatch(a)).advantages.toArray(),
  }),
  "advantage.reinforcePlusPlus": (a) => {
    const r = reinforcePlusPlusAdvantages(tokenBatch(a), { gamma: a.gamma as number });
    return { advantages: r.advantages.toArray(), returns: r.returns.toArray() };
  },
  "advantage.remax": (a) => {
    const r = remaxAdvantages({ ...tokenBatch(a), baselines: a.baselines as MatrixLike });
    return { advantages: r.advantages.toArray(), returns: r.returns.toArray() };
  },
  "advantage.gae": (a) => {
    const r = gaeAdvantages(
      { ...tokenBatch(a), values: a.values as MatrixLike },
      { gamma: a.gamma as number, lambda: a.lambda as number },
    );
    return { advantages: r.advantages.toArray(), returns: r.returns.toArray() };
  },
};
