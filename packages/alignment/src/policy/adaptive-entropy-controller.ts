import { parseConfig, RLError, type Stateful, assertState } from "@rl/core";
import { z } from "zod";

/**
 * Config of {@link adaptiveEntropyController} (TRL `GRPOConfig` names and defaults): `initCoef`
 * (`entropy_coef`, 0), `target` (`entropy_target`, 0.2 nats per token), `delta`
 * (`entropy_coef_delta`, 0.005), `minCoef` / `maxCoef` (`entropy_coef_min` 0, `entropy_coef_max` 1).
 */
export const adaptiveEntropyControllerConfig = z
  .object({
    initCoef: z.number().finite().min(0).default(0),
    target: z.number().finite().positive().default(0.2),
    delta: z.number().finite().positive().default(0.005),
    minCoef: z.number().finite().min(0).default(0),
    maxCoef: z.number().finite().min(0).default(1),
  })
  .superRefine((c, ctx) => {
    if (c.minCoef > c.maxCoef) ctx.addIssue({ code: "custom", path: ["minCoef"], message: `minCoef ${c.minCoef} exceeds maxCoef ${c.maxCoef}` });
    if (c.initCoef < c.minCoef || c.initCoef > c.maxCoef) {
      ctx.addIssue({ code: "custom", path: ["initCoef"], message: `initCoef ${c.initCoef} is outside [minCoef, maxCoef] = [${c.minCoef}, ${c.maxCoef}]` });
    }
  });
export type AdaptiveEntropyControllerConfig = z.input<typeof adaptiveEntropyControllerConfig>;

/**
 * One optimizer step's entropy window: `Σ_t H_t·M_t` and `Σ_t M_t` over every micro-batch of the
 * step (add them up across gradient-accumulation steps and processes), or the mean directly.
 */
export type EntropyWindow = { entropySum: number; tokenCount: number } | { entropy: number };

/** State of {@link adaptiveEntropyController}: the coefficient for the next step and the last window's entropy. */
export interface AdaptiveEntropyState {
  readonly coef: number;
  readonly lastEntropy: number | null;
}

/**
 * TRL's adaptive entropy-bonus coefficient (`use_adaptive_entropy`; the bonus is
 * `loss ← loss − c·H̄`, see `entropyBonus`): a bang-bang controller that raises the bonus while
 * the policy's entropy has collapsed below a target and lowers it otherwise.
 *
 *   H̄ = Σ H·M / max(Σ M, 1)  over the step's window
 *   c ← min(c + δ, c_max)  if H̄ ≤ target      c ← max(c − δ, c_min)  otherwise
 *
 * The new `c` applies from the **next** optimizer step (`output.coef`). TRL documents that the
 * default target 0.2 "only triggers on near-complete entropy collapse" and recommends a target
 * near the entropy seen early in training. Throws `RLError("NON_FINITE")` for a non-finite
 * window, `RLError("INVALID_INPUT")` for a negative token count.
 *
 * @example
 * const ctl = adaptiveEntropyController({ initCoef: 0.01 });
 * ctl.update({ entropySum: 15, tokenCount: 100 }, ctl.init()).output.coef; // H̄ = 0.15 ≤ 0.2 → 0.015
 * @remarks Mirrors TRL `GRPOTrainer` adaptive entropy control (`use_adaptive_entropy`, trl/trainer/grpo_config.py).
 */
export function adaptiveEntropyController(
  config: AdaptiveEntropyControllerConfig = {},
): Stateful<AdaptiveEntropyState, EntropyWindow, { coef: number; entropy: number }> {
  const fn = "adaptiveEntropyController";
  const { initCoef, target, delta, minCoef, maxCoef } = parseConfig(adaptiveEntropyControllerConfig, config, fn);
  return {
    init: () => ({ coef: initCoef, lastEntropy: null }),
    update(window, state) {
      if (typeof window !== "object" || window === null) throw new RLError("INVALID_INPUT", `${fn}.update: input must be { entropy } or { entropySum, tokenCount }`);
      assertState(state, `${fn}.update`, { coef: "finite" });
      if (state.lastEntropy !== null && (typeof state.lastEntropy !== "number" || !Number.isFinite(state.lastEntropy))) {
        throw new RLError("INVALID_INPUT", `${fn}.update: state.lastEntropy must be null or a finite number, got ${String(state.lastEntropy)}`);
      }
      let entropy: number;
      if ("entropy" in window) {
        entropy = window.entropy;
      } else {
        const { entropySum, tokenCount } = window;
        if (!Number.isFinite(entropySum) || !Number.isFinite(tokenCount)) {
          throw new RLError("NON_FINITE", `${fn}.update: entropySum ${entropySum} and tokenCount ${tokenCount} must be finite`);
        }
        if (tokenCount < 0) throw new RLError("INVALID_INPUT", `${fn}.update: tokenCount is ${tokenCount}; expected ≥ 0`);
        entropy = entropySum / Math.max(tokenCount, 1);
      }
      if (!Number.isFinite(entropy)) throw new RLError("NON_FINITE", `${fn}.update: entropy is ${entropy}; expected a finite number`);
      const coef = entropy <= target ? Math.min(state.coef + delta, maxCoef) : Math.max(state.coef - delta, minCoef);
      return { output: { coef, entropy }, state: { coef, lastEntropy: entropy } };
    },
  };
}
