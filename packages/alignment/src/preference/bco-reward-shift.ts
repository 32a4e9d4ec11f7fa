import { RLError, type Stateful, assertState } from "@rl/core";

/** State of {@link bcoRewardShift}: the running mean of batch-mean rewards and how many batches it saw. */
export interface BcoRewardShiftState {
  readonly mean: number;
  readonly count: number;
}

/** One step's input: the implicit rewards `β·ℓ` of the chosen and rejected responses. */
export interface BcoRewardShiftInput {
  chosenRewards: ArrayLike<number>;
  rejectedRewards: ArrayLike<number>;
}

/**
 * The running reward shift δ of BCO (Jung et al. 2024, arXiv:2404.04656) as older TRL applied it to
 * `bco_pair`: each step the batch mean of all rewards (chosen and rejected) enters a running mean,
 *
 *   m_t = mean(R_c ∪ R_r)        δ_t = δ_{t−1} + (m_t − δ_{t−1}) / t
 *
 * and `dpoLoss(…, { lossType: "bco_pair", bcoRewardShift: δ_t })` uses
 * `−logσ(R_c − δ) − logσ(−(R_r − δ))`. Current TRL (and the conformance vectors) use δ = 0, which
 * is what `dpoLoss` does when no shift is given. An explicit `{ init, update }` object: no hidden state.
 *
 * @example
 * const shift = preferenceBlocks.bcoRewardShift();
 * let state = shift.init();                      // { mean: 0, count: 0 }
 * const step = shift.update({ chosenRewards: [0.5, -0.75], rejectedRewards: [-0.25, 0.125] }, state);
 * step.output;                                    // -0.09375 (δ for this step's loss)
 * state = step.state;
 * @remarks arXiv:2404.04656
 */
export function bcoRewardShift(): Stateful<BcoRewardShiftState, BcoRewardShiftInput, number> {
  return {
    init: () => ({ mean: 0, count: 0 }),
    update: (input, state) => {
      if (typeof input !== "object" || input === null || !isList(input.chosenRewards) || !isList(input.rejectedRewards)) {
        throw new RLError("INVALID_INPUT", "bcoRewardShift: input must be { chosenRewards, rejectedRewards } (arrays of numbers)");
      }
      assertState(state, "bcoRewardShift", { mean: "finite", count: "count" });
      const n = input.chosenRewards.length + input.rejectedRewards.length;
      if (n === 0) throw new RLError("INVALID_INPUT", "bcoRewardShift: empty batch (no rewards)");
      let s = 0;
      for (const xs of [input.chosenRewards, input.rejectedRewards]) {
        for (let k = 0; k < xs.length; k++) {
          const x = xs[k] as number;
          if (typeof x !== "number" || !Number.isFinite(x)) throw new RLError("NON_FINITE", `bcoRewardShift: a reward is ${x}`);
          s += x;
        }
      }
      const count = state.count + 1;
      const mean = state.mean + (s / n - state.mean) / count;
      return { output: mean, state: { mean, count } };
    },
  };
}

function isList(x: unknown): x is ArrayLike<number> {
  return typeof x === "object" && x !== null && typeof (x as { length?: unknown }).length === "number";
}
