import { RLError, logSigmoid, parseConfig, stopGradient, tf, type Rng, type Stateful, assertState } from "@rl/core";
import { z } from "zod";
import type { PairwiseLogProbs } from "./dpo.js";
import { pairwiseMetrics, type PreferenceLossOutput, type PreferenceMetricName } from "./preference-metrics.js";
import { assertBatchVectors, assertInputsObject, assertPresent } from "./validate.js";

/** Running statistics of β-DPO's margins (both start at 0, no bias correction, as the reference). */
export interface BetaDpoState {
  readonly gapMean: number;
  readonly gapStd: number;
}

/** Config of {@link betaDpoController} and {@link betaDpoLoss}. */
export const betaDpoConfig = z.object({
  /** β₀, the base β (also used for the logged rewards). Default 0.1. */
  beta0: z.number().positive().finite().default(0.1),
  /** `a`, the β adaptation rate. Default 0.6 (README example; the repo's config default 0 = plain DPO). */
  a: z.number().finite().default(0.6),
  /** ρ, the fraction of pairs dropped by the β-guided filter (`mode_weight`), in [0, 1). Default 0.2. */
  dropFraction: z.number().min(0).lt(1).default(0.2),
  /** Momentum of the running mean / std. Default 0.9. */
  momentum: z.number().min(0).lt(1).default(0.9),
  /** Floor on the running std in the Gaussian weights (the reference divides by 0 on constant margins). */
  minStd: z.number().positive().finite().default(1e-6),
  /** Floor on the batch β. Default 1e-3 (reference). */
  minBeta: z.number().positive().finite().default(1e-3),
});
/** The input form of `betaDpoConfig` (every field optional; defaults filled by parsing). */
export type BetaDpoConfig = z.input<typeof betaDpoConfig>;

/** One controller step: the margins `g_i = Δ_i` of the batch (no β) and a seeded RNG for the filter. */
export interface BetaDpoStepInput {
  gaps: ArrayLike<number>;
  rng: Rng;
}

/** What a controller step decides: the batch β, the kept pair indices and the filter weights. */
export interface BetaDpoStep {
  beta: number;
  keep: number[];
  weights: number[];
}

/**
 * β-DPO's batch-adaptive β and β-guided filter as an explicit `{ init, update }` object
 * (Wu et al., NeurIPS 2024, arXiv:2407.08639; docs/alignment/preference.md, following `junkangwu/beta-DPO`):
 *
 *   μ ← m·μ + (1−m)·mean(g),   s ← m·s + (1−m)·std(g)          (updated before use; unbiased std)
 *   w_i = exp(−½((g_i − μ)/max(s, minStd))²)
 *   keep ⌊B(1−ρ)⌋ indices (at least 1), drawn without replacement with probability ∝ w
 *   β_b = max(β₀·(1 + a·(mean_kept g − μ)), minBeta)
 *
 * Edge cases: a batch of one has std 0; if every weight underflows to 0 the draw is uniform.
 *
 * @example
 * const ctl = betaDpoController();
 * const { output, state } = ctl.update({ gaps: [1.5, -1.75, 0.3, 0.9], rng: createRng(0) }, ctl.init());
 * output.beta; // 0.152575 (keeps rows 2, 3, 0)
 * @remarks arXiv:2407.08639
 */
export function betaDpoController(config: BetaDpoConfig = {}): Stateful<BetaDpoState, BetaDpoStepInput, BetaDpoStep> {
  const cfg = parseConfig(betaDpoConfig, config, "betaDpoController");
  return {
    init: () => ({ gapMean: 0, gapStd: 0 }),
    update: (input, state) => {
      if (typeof input !== "object" || input === null) throw new RLError("INVALID_INPUT", "betaDpoController: input must be { gaps, rng }");
      const { gaps, rng } = input;
      if (typeof gaps !== "object" || gaps === null || typeof (gaps as ArrayLike<number>).length !== "number") {
        throw new RLError("INVALID_INPUT", "betaDpoController: gaps must be an array of numbers");
      }
      if (typeof rng !== "object" || rng === null || typeof rng.uniform !== "function" || typeof rng.int !== "function") {
        throw new RLError("INVALID_INPUT", "betaDpoController: rng must be an Rng (createRng(seed))");
      }
      assertState(state, "betaDpoController", { gapMean: "finite", gapStd: "finite" });
      if (state.gapStd < 0) throw new RLError("INVALID_INPUT", `betaDpoController: state.gapStd must be ≥ 0, got ${state.gapStd}`);
      const g = Array.from(gaps);
      const B = g.length;
      if (B === 0) throw new RLError("INVALID_INPUT", "betaDpoController: empty batch (gaps has 0 entries)");
      g.forEach((x, k) => {
        if (typeof x !== "number" || !Number.isFinite(x)) throw new RLError("NON_FINITE", `betaDpoController: gaps[${k}] is ${String(x)}; expected a finite number`);
      });
      const mean = g.reduce((s, x) => s + x, 0) / B;
      const std = B > 1 ? Math.sqrt(g.reduce((s, x) => s + (x - mean) ** 2, 0) / (B - 1)) : 0;
      const m = cfg.momentum;
      const gapMean = m * state.gapMean + (1 - m) * mean;
      const gapStd = m * state.gapStd + (1 - m) * std;
      const sd = Math.max(gapStd, cfg.minStd);
      const weights = g.map((x) => Math.exp(-0.5 * ((x - gapMean) / sd) ** 2));
      const nKeep = Math.max(1, Math.floor(B * (1 - cfg.dropFraction)));
      const remaining = g.map((_, k) => k);
      const keep: number[] = [];
      while (keep.length < nKeep) {
        const w = remaining.map((k) => weights[k] as number);
        const total = w.reduce((s, x) => s + x, 0);
        let pick = remaining.length - 1;
        if (total > 0) {
          let u = rng.uniform() * total;
          for (let j = 0; j < w.length; j++) {
            u -= w[j] as number;
            if (u < 0) {
              pick = j;
              break;
            }
          }
        } else pick = rng.int(remaining.length);
        keep.push(remaining[pick] as number);
        remaining.splice(pick, 1);
      }
      const keptMean = keep.reduce((s, k) => s + (g[k] as number), 0) / keep.length;
      const beta = Math.max(cfg.beta0 * (1 + cfg.a * (keptMean - gapMean)), cfg.minBeta);
      return { output: { beta, keep, weights }, state: { gapMean, gapStd } };
    },
  };
}

/** β-DPO metric names. */
export type BetaDpoMetricName = PreferenceMetricName | "beta_used" | "gap_mean" | "gap_std" | "mask_count";

/** What {@link betaDpoLoss} returns: the DPO outputs, the next state and the kept indices. */
export interface BetaDpoOutput extends PreferenceLossOutput<BetaDpoMetricName> {
  state: BetaDpoState;
  keep: number[];
}

/**
 * β-DPO loss (arXiv:2407.08639; docs/alignment/preference.md): runs one {@link betaDpoController} step on the batch's
 * margins `Δ_i = (π_c−ρ_c) − (π_r−ρ_r)` (stop-gradient), then
 *
 *   L_i = −logσ(β_b Δ_i) on the kept pairs, 0 on the dropped ones;  loss = Σ L_i / #kept
 *
 * (so `loss` is the mean over kept pairs, not `mean(losses)`). Rewards use β₀. The state and the
 * RNG are explicit inputs; the next state is returned. Metrics add `beta_used`, `gap_mean`,
 * `gap_std`, `mask_count` (the reference's names).
 *
 * @example
 * let state = betaDpoController().init();
 * const out = betaDpoLoss({ ...pairs, state, rng: createRng(0) });
 * state = out.state; // E: g = [1.5, -1.75, 0.3, 0.9] → β 0.152575, loss 0.627538
 * @remarks arXiv:2407.08639
 */
export function betaDpoLoss(
  inputs: PairwiseLogProbs & { state: BetaDpoState; rng: Rng },
  config: BetaDpoConfig = {},
): BetaDpoOutput {
  const cfg = parseConfig(betaDpoConfig, config, "betaDpoLoss");
  assertInputsObject(inputs, "betaDpoLoss", "{ policyChosen, policyRejected, refChosen, refRejected, state, rng }");
  const { policyChosen, policyRejected, refChosen, refRejected } = inputs;
  assertPresent({ policyChosen, policyRejected, refChosen, refRejected }, "betaDpoLoss");
  if (refChosen === undefined || refRejected === undefined) throw new RLError("INVALID_INPUT", "betaDpoLoss: refChosen and refRejected are required");
  const B = assertBatchVectors({ policyChosen, policyRejected, refChosen, refRejected }, "betaDpoLoss");
  const [pc, pr, rc, rr] = [policyChosen, policyRejected, refChosen, refRejected].map((t) => t.dataSync());
  const gaps = Array.from({ length: B }, (_, k) => {
    const at = (d: ArrayLike<number> | undefined): number => (d?.[k] ?? 0) as number;
    return at(pc) - at(rc) - (at(pr) - at(rr));
  });
  const { output, state } = betaDpoController(cfg).update({ gaps, rng: inputs.rng }, inputs.state);
  const mask = new Array<number>(B).fill(0);
  for (const k of output.keep) mask[k] = 1;
  const out = tf.tidy(() => {
    const lc = tf.sub(policyChosen, stopGradient(refChosen));
    const lr = tf.sub(policyRejected, stopGradient(refRejected));
    const keepMask = tf.tensor1d(mask, "float32");
    const losses = tf.mul(tf.neg(logSigmoid(tf.mul(tf.sub(lc, lr), output.beta))), keepMask) as tf.Tensor1D;
    return {
      loss: tf.div(tf.sum(losses), output.keep.length) as tf.Scalar,
      losses,
      chosenRewards: stopGradient(tf.mul(lc, cfg.beta0)) as tf.Tensor1D,
      rejectedRewards: stopGradient(tf.mul(lr, cfg.beta0)) as tf.Tensor1D,
    };
  });
  const metrics = {
    ...pairwiseMetrics(out.chosenRewards, out.rejectedRewards, policyChosen, policyRejected),
    beta_used: output.beta,
    gap_mean: state.gapMean,
    gap_std: state.gapStd,
    mask_count: output.keep.length,
  };
  return { ...out, metrics, state, keep: output.keep };
}
