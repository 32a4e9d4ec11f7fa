import { z } from "zod";
import { assertFiniteResult, describeValue, logSigmoid, parseConfig, RLError } from "@rl/core/arrays";
import { checkNumbers, checkRewardBatch, contextRefs, type RewardBatch, type RewardTransform } from "./types.js";
import { applyParShaping, parShapingFields } from "./par-shaping.js";

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function poly(coef: readonly number[], x: number): number {
  return coef.reduce((acc, c) => acc * x + c, 0);
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). @internal */
export function normalQuantile(p: number): number {
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(C, q) / (poly(D, q) * q + 1);
  }
  if (p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(C, q) / (poly(D, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(A, r) * q) / (poly(B, r) * r + 1);
}

/** Config schema of {@link lscReference} (zod; the defaults are the reference defaults). */
export const lscReferenceConfig = z.object({
  /** Quantile of a normal fit to the reference rewards (PAR's re-implementation: 0.85). */
  quantile: z.number().gt(0).lt(1).default(0.85),
  /** Added to the sample standard deviation (PAR code: 1e-5). */
  stdEpsilon: z.number().nonnegative().default(1e-5),
});
/** Input type of `lscReferenceConfig` (every field optional where it has a default). */
export type LscReferenceConfig = z.input<typeof lscReferenceConfig>;

/**
 * Per-prompt LSC reference `r_ref = μ + z_q·(s + ε)`, a quantile of a normal fit to the rewards of
 * base-policy (reference) responses: `μ`, `s` = their mean and **sample** standard deviation,
 * `z_q` the standard normal quantile (docs/rewards/transforms.md; PAR's re-implementation).
 *
 * Defaults `quantile = 0.85`, `stdEpsilon = 1e-5`. A single reference has `s = 0` (→ `μ + z_q·ε`).
 * No references → error (cannot centre).
 *
 * @example
 * lscReference([0, 0.5, 2]); // ≈ 1.9121 (μ = 0.8333, s = 1.0408)
 * @remarks Wang et al., Transforming and Combining Rewards (arXiv:2402.00742); PAR (arXiv:2502.18770)
 */
export function lscReference(refRewards: readonly number[], config: LscReferenceConfig = {}): number {
  const { quantile, stdEpsilon } = parseConfig(lscReferenceConfig, config, "lscReference");
  const xs = checkNumbers(refRewards, "lscReference", "refRewards", { nonEmpty: true });
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const s = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  const ref = mean + normalQuantile(quantile) * (s + stdEpsilon);
  assertFiniteResult(ref, "lscReference", "the reference", "refRewards overflow");
  return ref;
}

/**
 * The LSC utility `u = log σ(r − r_ref)` (docs/rewards/transforms.md): the log-probability that the
 * response beats the prompt's reference under Bradley–Terry. Always `≤ 0`, increasing in `r`,
 * with diminishing returns above the reference and ≈ linear far below it (unbounded below).
 * Computed stably as `−softplus(−(r − r_ref))`.
 *
 * @example
 * logSigmoidCentered(1, 0.5); // -0.4740770
 * @remarks Wang et al., Transforming and Combining Rewards (arXiv:2402.00742)
 */
export function logSigmoidCentered(reward: number, reference: number): number {
  if (!Number.isFinite(reward) || !Number.isFinite(reference)) {
    throw new RLError("NON_FINITE", `logSigmoidCentered: reward ${describeValue(reward)} and reference ${describeValue(reference)} must be finite numbers`);
  }
  return logSigmoid(reward - reference);
}

/**
 * AND-combination of several properties' LSC utilities: `u = Σ_i u_i = log Π_i σ(r_i − r_i^ref)`,
 * the log-probability that the response is good in every property (independence assumed;
 * docs/rewards/transforms.md). `utilities` is `[property][sample]`; a `null` in any property makes the
 * sample's sum `null` (no signal).
 *
 * @example
 * andCombine([[logSigmoidCentered(1, 0.5)], [logSigmoidCentered(-0.5, 0)]]); // [-1.4481540]
 * @remarks Wang et al. (arXiv:2402.00742)
 */
export function andCombine(utilities: readonly RewardBatch[]): (number | null)[] {
  if (!Array.isArray(utilities) || utilities.length === 0) throw new RLError("INVALID_INPUT", "andCombine: needs at least one property");
  const rows = utilities.map((u, i) => checkRewardBatch(u, "andCombine", `utilities[${i}]`));
  const n = (rows[0] as (number | null)[]).length;
  rows.forEach((r, i) => {
    if (r.length !== n) throw new RLError("SHAPE_MISMATCH", `andCombine: utilities[${i}] has ${r.length} entries, utilities[0] has ${n}`);
  });
  return Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (const r of rows) {
      const v = r[j] as number | null;
      if (v === null) return null;
      s += v;
    }
    return s;
  });
}

/**
 * Config schema of {@link lscTransform}: a `fixedReference` or {@link lscReferenceConfig}, plus
 * the PAR code's ceiling and length penalty (`rewardCeil` null, `penalizeLength` **false** here,
 * `genValidLen` 300, `lenPenalty` 0.01; see {@link parTransform}).
 */
export const lscTransformConfig = z.union([
  z.object({ fixedReference: z.number(), ...parShapingFields(false) }).strict(),
  lscReferenceConfig.extend(parShapingFields(false)).strict(),
]);
/** Input type of `lscTransformConfig` (every field optional where it has a default). */
export type LscTransformConfig = z.input<typeof lscTransformConfig>;

/**
 * LSC as a stateless transform: each reward becomes `log σ(r − r_ref)` with `r_ref` from the
 * sample's `context.refRewards` ({@link lscReference}) or a `fixedReference` for every sample.
 * Order-preserving within a prompt. `null` passes through.
 *
 * Defaults: `quantile = 0.85`, `stdEpsilon = 1e-5`, no ceiling, no length penalty (the LSC paper
 * has none). The PAR repository's LSC baseline (`reward_lsc` in PorUna-byte/PAR @ b8caf406
 * `RewardShaper.shaped_reward`; conformance op `reward.lscPar`) is the preset
 * `{ penalizeLength: true }`: ceiling, then length penalty, then `log σ(r − r_ref)` with every
 * reference (no `maxRef`). No code from the LSC paper's authors was found.
 *
 * @example
 * const t = lscTransform();
 * t.update({ rewards: [1], context: { refRewards: [[0, 0.5, 2]] } }, undefined).output; // [-1.2497698]
 * @remarks Wang et al. (arXiv:2402.00742)
 */
export function lscTransform(config: LscTransformConfig = {}): RewardTransform<undefined> {
  const fn = "lscTransform";
  const cfg = parseConfig(lscTransformConfig, config, fn);
  return {
    init: () => undefined,
    update: (input) => {
      const rewards = applyParShaping(checkRewardBatch(input.rewards, fn), input, cfg, fn);
      if ("fixedReference" in cfg) {
        const ref = cfg.fixedReference;
        return { output: rewards.map((r) => (r === null ? null : logSigmoid(r - ref))), state: undefined };
      }
      const refs = contextRefs(input, fn);
      const reference = { quantile: cfg.quantile, stdEpsilon: cfg.stdEpsilon };
      const output = rewards.map((r, i) => (r === null ? null : logSigmoid(r - lscReference(refs[i] as number[], reference))));
      return { output, state: undefined };
    },
  };
}
