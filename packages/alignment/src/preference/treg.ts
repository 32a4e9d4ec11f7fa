import { Matrix, RLError, assertMask, logSigmoid, parseConfig, stopGradient, tf, toMatrix2D, type MatrixLike } from "@rl/core";
import { z } from "zod";
import type { PairwiseLogProbs } from "./dpo.js";
import { pairwiseMetrics, type PreferenceLossOutput, type PreferenceMetricName } from "./preference-metrics.js";
import { assertBatchVectors, assertFinite, assertInputsObject, assertPresent, assertShape } from "./validate.js";

/**
 * T-REG's token rewards by contrastive prompting (Zhou et al., ACL 2025, arXiv:2412.02685; docs/alignment/treg.md):
 * two passes of the evaluation model over the same tokens, with a "revise to be better" prompt
 * (`better`) and a "revise to be worse" prompt (`worse`):
 *
 *   r̂_t = σ(log π(y_t | x⁺, y_<t) − log π(y_t | x⁻, y_<t)) − 0.5  ∈ (−0.5, 0.5)
 *
 * 0 where `mask` is 0. Not differentiated: a Matrix `[B,T]`.
 *
 * @example
 * preferenceBlocks.tregTokenRewards([[-0.2, -2.0]], [[-1.0, -0.5]], [[1, 1]]).toArray(); // [[0.189974, -0.317574]]
 * @remarks arXiv:2412.02685
 */
export function tregTokenRewards(betterLogProbs: MatrixLike, worseLogProbs: MatrixLike, mask: MatrixLike): Matrix {
  const fn = "tregTokenRewards";
  const a = toMatrix2D(betterLogProbs, "betterLogProbs", fn);
  const b = toMatrix2D(worseLogProbs, "worseLogProbs", fn);
  const m = toMatrix2D(mask, "mask", fn);
  assertMask(m, "mask", fn);
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1] || a.shape[0] !== m.shape[0] || a.shape[1] !== m.shape[1]) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: betterLogProbs [${a.shape.join(",")}], worseLogProbs [${b.shape.join(",")}], mask [${m.shape.join(",")}] differ`);
  }
  return a.map((x, k) => ((m.data[k] as number) === 0 ? 0 : 1 / (1 + Math.exp(-(x - (b.data[k] as number)))) - 0.5));
}

/** Token-level inputs of one side (chosen or rejected) of {@link tregLoss}. */
export interface TregTokens {
  /** Policy token log-probs `[B,T]` (differentiable). */
  logProbs: tf.Tensor;
  /** 0/1 mask `[B,T]`. */
  mask: MatrixLike;
  /** Token rewards `r̂ [B,T]` (constants, e.g. from {@link tregTokenRewards}). */
  tokenRewards: MatrixLike;
}

/** Config of {@link tregLoss}. */
export const tregConfig = z.object({
  /** β of the DPO part and of the regulariser. Default 0.1. */
  beta: z.number().positive().finite().default(0.1),
  /** α, the regulariser weight (paper sweep {0.1, 0.25, 0.5}). Default 0.25. */
  alpha: z.number().nonnegative().finite().default(0.25),
  /** Sum (default) or mean of the token terms of `L_reg` — ⚠ unverified which the paper uses. */
  regReduce: z.enum(["sum", "mean"]).default("sum"),
});
/** The input form of `tregConfig` (every field optional; defaults filled by parsing). */
export type TregConfig = z.input<typeof tregConfig>;

/** T-REG metric names. */
export type TregMetricName = PreferenceMetricName | "reg/chosen" | "reg/rejected" | "reg/weight" | "dpo_loss";

interface PreparedSide {
  logProbs: tf.Tensor;
  mask: Matrix;
  rewards: Matrix;
}

function prepareSide(side: TregTokens, B: number, name: string): PreparedSide {
  const fn = "tregLoss";
  const mask = toMatrix2D(side.mask, `${name}.mask`, fn);
  assertMask(mask, `${name}.mask`, fn);
  const rewards = toMatrix2D(side.tokenRewards, `${name}.tokenRewards`, fn);
  assertShape(side.logProbs, [B, mask.shape[1] as number], `${name}.logProbs`, fn);
  assertShape(side.logProbs, rewards.shape, `${name}.logProbs`, fn);
  assertFinite(side.logProbs, `${name}.logProbs`, fn);
  return { logProbs: side.logProbs, mask, rewards };
}

/** `−β Σ_t r̂_t·lp_t·M_t` per row (or divided by the row length). Call inside `tf.tidy`. */
function regTerm(side: PreparedSide, beta: number, mean: boolean): tf.Tensor {
  const mt = tf.tensor(Float32Array.from(side.mask.data), side.mask.shape as number[]);
  const rt = tf.tensor(Float32Array.from(side.rewards.data), side.rewards.shape as number[]);
  const s = tf.sum(tf.mul(tf.mul(rt, mt), side.logProbs), 1);
  const reduced = mean ? tf.div(s, tf.maximum(tf.sum(mt, 1), 1)) : s;
  return tf.mul(reduced, -beta);
}

/**
 * T-REG, token-level reward regularisation of DPO (arXiv:2412.02685; docs/alignment/treg.md):
 *
 *   L_reg(y) = −β Σ_t r̂_t · log π(y_t | x, y_<t)       (masked; `regReduce: "mean"` divides by the length)
 *   w = σ(−βΔ)  (stop-gradient: the DPO gradient magnitude)
 *   L_i = −logσ(βΔ_i) + α·w_i·(L_reg(y_w) + L_reg(y_l)),   loss = mean L_i
 *
 * ⚠ Stays: no official code is available (`wzhouad/T-REG` cannot be fetched and is not in the code
 * index) and the paper's method section could not be read, only a detailed third-party note of its
 * equations; sum vs mean in `L_reg`, the stop-gradient on `w` and the same sign for `y_l` are
 * therefore assumptions (docs/alignment/treg.md). The derivation and the worked example are in
 * docs/alignment/treg.md. `policyChosen` / `policyRejected`
 * should be the masked sums of the token log-probs. Only the DPO base is implemented (not SimPO-REG).
 * Metrics add `reg/chosen`, `reg/rejected` (means of `L_reg`), `reg/weight` (mean `w`), `dpo_loss`.
 *
 * @example
 * // E12: Δ = 1.5, β 0.1, α 0.5 → loss 0.605924
 * @remarks arXiv:2412.02685
 */
export function tregLoss(
  inputs: PairwiseLogProbs & { chosenTokens: TregTokens; rejectedTokens: TregTokens },
  config: TregConfig = {},
): PreferenceLossOutput<TregMetricName> {
  const { beta, alpha, regReduce } = parseConfig(tregConfig, config, "tregLoss");
  assertInputsObject(inputs, "tregLoss", "{ policyChosen, policyRejected, refChosen, refRejected, chosenTokens, rejectedTokens }");
  const { policyChosen, policyRejected, refChosen, refRejected } = inputs;
  assertPresent({ policyChosen, policyRejected, refChosen, refRejected }, "tregLoss");
  if (refChosen === undefined || refRejected === undefined) throw new RLError("INVALID_INPUT", "tregLoss: refChosen and refRejected are required");
  const B = assertBatchVectors({ policyChosen, policyRejected, refChosen, refRejected }, "tregLoss");
  for (const side of ["chosenTokens", "rejectedTokens"] as const) {
    if (typeof inputs[side] !== "object" || inputs[side] === null) throw new RLError("INVALID_INPUT", `tregLoss: ${side} must be { logProbs, mask, tokenRewards }`);
  }
  const sideC = prepareSide(inputs.chosenTokens, B, "chosenTokens");
  const sideR = prepareSide(inputs.rejectedTokens, B, "rejectedTokens");
  const out = tf.tidy(() => {
    const regC = regTerm(sideC, beta, regReduce === "mean");
    const regR = regTerm(sideR, beta, regReduce === "mean");
    const lc = tf.sub(policyChosen, stopGradient(refChosen));
    const lr = tf.sub(policyRejected, stopGradient(refRejected));
    const z = tf.mul(tf.sub(lc, lr), beta);
    const dpo = tf.neg(logSigmoid(z));
    const w = stopGradient(tf.sigmoid(tf.neg(z)));
    const losses = tf.add(dpo, tf.mul(tf.mul(w, tf.add(regC, regR)), alpha)) as tf.Tensor1D;
    const stats = stopGradient(tf.stack([tf.mean(regC), tf.mean(regR), tf.mean(w), tf.mean(dpo)]));
    return {
      loss: tf.mean(losses) as tf.Scalar,
      losses,
      chosenRewards: stopGradient(tf.mul(lc, beta)) as tf.Tensor1D,
      rejectedRewards: stopGradient(tf.mul(lr, beta)) as tf.Tensor1D,
      stats,
    };
  });
  const [rc, rr, rw, dl] = Array.from(out.stats.dataSync()) as [number, number, number, number];
  out.stats.dispose();
  const metrics = {
    ...pairwiseMetrics(out.chosenRewards, out.rejectedRewards, policyChosen, policyRejected),
    "reg/chosen": rc,
    "reg/rejected": rr,
    "reg/weight": rw,
    dpo_loss: dl,
  };
  return { loss: out.loss, losses: out.losses, chosenRewards: out.chosenRewards, rejectedRewards: out.rejectedRewards, metrics };
}
