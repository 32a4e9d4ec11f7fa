import type { GaeConfig } from "../value/gae.js";
import type { GrpoConfig } from "./grpo.js";
import type { ReinforcePlusPlusBaselineConfig } from "./reinforce-plus-plus-baseline.js";
import type { ReinforcePlusPlusConfig } from "./reinforce-plus-plus.js";
import type { RlooConfig } from "./rloo.js";

/**
 * Plain config objects that reproduce each reference framework's behaviour (the defaults are
 * verl's). Pass them as the config: `grpoAdvantages(batch, groupPresets.trl.grpo)`.
 * Nothing here switches hidden behaviour; every preset is just knobs. No preset sets `dtype`:
 * the output storage (float32 by default, see `outputDtype`) is not a framework's flavour; add
 * `dtype: "float64"` to compare with a float64 reference below float32 resolution.
 *
 * @example
 * const batch = { tokenRewards: [[0, 1], [0, 0]], mask: [[1, 1], [1, 1]], groups: [0, 0] };
 * grpoAdvantages(batch, { ...groupPresets.trl.grpo, stdScope: "batch" }); // TRL scale_rewards="batch"
 * @remarks Settings of verl (verl/trainer/ppo/core_algos.py), TRL (trl/trainer/grpo_trainer.py) and OpenRLHF (openrlhf/trainer/ppo_utils/experience_maker.py).
 */
export const groupPresets = {
  verl: {
    grpo: {} as GrpoConfig,
    grpoVectorized: { variance: "flooredVectorized" } as GrpoConfig,
    rloo: {} as RlooConfig,
    rlooVectorized: { singleton: "zero" } as RlooConfig,
  },
  trl: {
    /** `scale_rewards="group"` (TRL's default); ε = 1e-4; a group of one gives 0. */
    grpo: { epsilon: 1e-4, singleton: "zero" } as GrpoConfig,
    /** `scale_rewards="batch"`. */
    grpoBatch: { epsilon: 1e-4, singleton: "zero", stdScope: "batch" } as GrpoConfig,
    /** `scale_rewards="none"` (= Dr. GRPO). */
    grpoNone: { epsilon: 1e-4, singleton: "zero", normalizeByStd: false } as GrpoConfig,
    rloo: { singleton: "zero" } as RlooConfig,
  },
  openrlhf: {
    /** `group_norm`. */
    grpo: { epsilon: 1e-9 } as GrpoConfig,
    /** `dr_grpo`. */
    drGrpo: { normalizeByStd: false } as GrpoConfig,
    reinforcePlusPlus: { unbiased: false } as ReinforcePlusPlusConfig,
    reinforcePlusPlusBaseline: { flavor: "openrlhf" } as ReinforcePlusPlusBaselineConfig,
    gae: { interiorMask: "terminal", unbiased: false } as GaeConfig,
  },
  drGrpo: {
    grpo: { normalizeByStd: false } as GrpoConfig,
  },
} as const;
