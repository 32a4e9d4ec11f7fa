import { RLError, parseConfig, stopGradient, tf, assertTensor } from "@rl/core";
import { z } from "zod";
import { fDivergenceTypes } from "./f-divergence.js";
import { aotOrders, aotPairLoss, aotUnpairedPairLoss, type AotOrders } from "./dpo/aot.js";
import { apoDownPairLoss, apoZeroPairLoss } from "./dpo/apo.js";
import { bcoPairLoss } from "./dpo/bco-pair.js";
import { discopopPairLoss } from "./dpo/discopop.js";
import { exoPairLoss } from "./dpo/exo.js";
import { hingePairLoss } from "./dpo/hinge.js";
import { ipoPairLoss } from "./dpo/ipo.js";
import { ncaPairLoss } from "./dpo/nca.js";
import { robustPairLoss } from "./dpo/robust.js";
import { sftPairLoss } from "./dpo/sft.js";
import { sigmoidNormPairLoss } from "./dpo/sigmoid-norm.js";
import { sigmoidPairLoss } from "./dpo/sigmoid.js";
import { sppoHardPairLoss } from "./dpo/sppo.js";
import { lengthNormalisedScores, pairTerms, type PairTerms } from "./dpo/terms.js";
import { pairwiseMetrics, type PreferenceLossOutput } from "./preference-metrics.js";
import { assertBatchVectors } from "./validate.js";

/**
 * Per-sequence log-probs of a batch of preference pairs, each `[B]` (token **sums**, see
 * `sequenceLogProbs` in `@rl/core`). References are constants (wrapped in `stopGradient`).
 */
export interface PairwiseLogProbs {
  /** Policy log-probs of the chosen responses `[B]`. */
  policyChosen: tf.Tensor;
  /** Policy log-probs of the rejected responses `[B]`. */
  policyRejected: tf.Tensor;
  /** Reference log-probs of the chosen responses `[B]` (omit with `referenceFree`). */
  refChosen?: tf.Tensor;
  /** Reference log-probs of the rejected responses `[B]` (omit with `referenceFree`). */
  refRejected?: tf.Tensor;
  /** Completion lengths of the chosen responses `[B]` (needed by `ipo`, `sigmoid_norm`, `sft`; clamped ≥ 1). */
  chosenLengths?: tf.Tensor;
  /** Completion lengths of the rejected responses `[B]`. */
  rejectedLengths?: tf.Tensor;
  /** Optional per-pair weights `[B]` (stop-gradient; MADPO, WPO): `L_i ← w_i · L_i`. */
  sampleWeights?: tf.Tensor;
}

/** Every DPO `loss_type` of TRL (`sft` included), plus `cdpo` (conservative DPO: label-smoothed sigmoid). */
export const dpoLossTypes = [
  "sigmoid",
  "cdpo",
  "hinge",
  "ipo",
  "exo_pair",
  "nca_pair",
  "robust",
  "bco_pair",
  "sppo_hard",
  "aot",
  "aot_unpaired",
  "apo_zero",
  "apo_down",
  "discopop",
  "sigmoid_norm",
  "sft",
] as const;
/** One of the DPO loss names (`dpoLossTypes`, internal; `dpoConfig` validates it). */
export type DpoLossType = (typeof dpoLossTypes)[number];

/** Config of {@link dpoLoss}, with TRL's `DPOConfig` defaults. */
export const dpoConfig = z
  .object({
    /** β, the inverse temperature of the implicit reward (TRL default 0.1). Must be > 0. */
    beta: z.number().positive().finite().default(0.1),
    /** One loss type or several (combined as `Σ_k w_k · mean(L_k)`). Default `"sigmoid"`. */
    lossType: z.union([z.enum(dpoLossTypes), z.array(z.enum(dpoLossTypes)).nonempty()]).default("sigmoid"),
    /** Weights of the loss types (TRL `loss_weights`); default all 1. */
    lossWeights: z.array(z.number().nonnegative().finite()).optional(),
    /** ε, the label-flip rate: used by `cdpo`, `robust`, `exo_pair`, `aot`, `aot_unpaired`. In [0, 0.5). */
    labelSmoothing: z.number().min(0).lt(0.5).default(0),
    /** τ of `discopop` (TRL `discopop_tau`). Default 0.05. */
    discopopTau: z.number().positive().finite().default(0.05),
    /** `ipo`: `"length"` averages the log-ratios per token (TRL), `"none"` uses sums (OpenRLHF). */
    ipoNormalize: z.enum(["length", "none"]).default("length"),
    /** f-divergence score applied to the log-ratios (TRL `f_divergence_type`). Default reverse KL. */
    fDivergence: z.enum(fDivergenceTypes).default("reverse_kl"),
    /** α of the alpha divergence. Default 0.5. */
    fAlpha: z.number().finite().default(0.5),
    /** Treat the reference log-probs as 0 (reference-free DPO). Default false. */
    referenceFree: z.boolean().default(false),
    /** `bco_pair` reward shift δ (the running mean of rewards, see `bcoRewardShift`). Default 0 = current TRL. */
    bcoRewardShift: z.number().finite().default(0),
  })
  .superRefine((c, ctx) => {
    const types = typeof c.lossType === "string" ? [c.lossType] : c.lossType;
    if (types.includes("exo_pair") && !(c.labelSmoothing > 0)) {
      ctx.addIssue({ code: "custom", path: ["labelSmoothing"], message: "exo_pair needs labelSmoothing > 0 (EXO paper: 1e-3)" });
    }
    if (c.lossWeights !== undefined && c.lossWeights.length !== types.length) {
      ctx.addIssue({
        code: "custom",
        path: ["lossWeights"],
        message: `has ${c.lossWeights.length} entries, lossType has ${types.length}`,
      });
    }
  });
/** The input form of `dpoConfig` (every field optional; defaults filled by parsing). */
export type DpoConfig = z.input<typeof dpoConfig>;

interface DpoContext {
  t: PairTerms;
  beta: number;
  eps: number;
  tau: number;
  ipoNormalize: "length" | "none";
  bcoShift: number;
  lenC: tf.Tensor | undefined;
  lenR: tf.Tensor | undefined;
  orders: AotOrders | undefined;
}

const FN = "dpoLoss";

/** TRL's `loss_type` strings → the per-paper formulas of `./dpo/` (one file per paper). */
const perPairLoss: Record<DpoLossType, (x: DpoContext) => tf.Tensor> = {
  sigmoid: ({ t }) => sigmoidPairLoss(t.z),
  cdpo: ({ t, eps }) => sigmoidPairLoss(t.z, eps),
  hinge: ({ t }) => hingePairLoss(t.z),
  ipo: (x) => {
    if (x.ipoNormalize === "none") return ipoPairLoss(tf.sub(x.t.sc, x.t.sr), x.beta);
    const { hc, hr } = lengthNormalisedScores(x.t, x.lenC, x.lenR, FN, "ipo");
    return ipoPairLoss(tf.sub(hc, hr), x.beta);
  },
  exo_pair: ({ t, eps }) => exoPairLoss(t.z, eps),
  nca_pair: ({ t }) => ncaPairLoss(t.c, t.r),
  robust: ({ t, eps }) => robustPairLoss(t.z, eps),
  bco_pair: ({ t, bcoShift }) => bcoPairLoss(t.c, t.r, bcoShift),
  sppo_hard: ({ t, beta }) => sppoHardPairLoss(t.sc, t.sr, beta),
  aot: ({ t, orders, beta, eps }) => aotPairLoss(tf.sub(t.pc, t.pr), tf.sub(t.rc, t.rr), orders as AotOrders, beta, eps),
  aot_unpaired: ({ t, orders, beta, eps }) => aotUnpairedPairLoss(t.lc, t.lr, orders as AotOrders, beta, eps),
  apo_zero: ({ t, beta }) => apoZeroPairLoss(t.lc, t.lr, beta),
  apo_down: ({ t, beta }) => apoDownPairLoss(t.lc, t.z, beta),
  discopop: ({ t, tau }) => discopopPairLoss(t.z, tau),
  sigmoid_norm: (x) => {
    const { hc, hr } = lengthNormalisedScores(x.t, x.lenC, x.lenR, FN, "sigmoid_norm");
    return sigmoidNormPairLoss(hc, hr, x.beta);
  },
  sft: ({ t, lenC }) => {
    if (lenC === undefined) throw new RLError("INVALID_INPUT", 'dpoLoss: lossType "sft" needs chosenLengths');
    return sftPairLoss(t.pc, lenC);
  },
};

/**
 * Direct Preference Optimisation and every TRL `loss_type` (docs/alignment/preference.md).
 *
 * With `ℓ_c = π_c − ρ_c`, `ℓ_r = π_r − ρ_r` (log-ratios), f-divergence scores `s_c = s(ℓ_c)`,
 * `s_r = s(ℓ_r)` (`fDivergenceScore`; reverse KL, the default: `s(ℓ) = ℓ`), `c = β s_c`, `r = β s_r`,
 * `z = c − r`, ε = `labelSmoothing`:
 *
 * Each formula has its own file under `preference/dpo/` (one per paper, e.g. `exo.ts`); the shared
 * block (`dpo/terms.ts`) builds ℓ, s, c, r, z once, with the reference-free zeros.
 *
 * | type | per-pair loss |
 * |---|---|
 * | `sigmoid` (DPO, arXiv:2305.18290) | `−logσ(z)` (ignores ε, as current TRL) |
 * | `cdpo` (conservative DPO) | `−(1−ε)logσ(z) − ε logσ(−z)` |
 * | `hinge` (SLiC, arXiv:2305.10425) | `max(0, 1 − z)` |
 * | `ipo` (arXiv:2310.12036) | `(s_c/len_c − s_r/len_r − 1/(2β))²` (`ipoNormalize: "none"`: `(s_c − s_r − 1/(2β))²`) |
 * | `exo_pair` (arXiv:2402.00856) | `σ(z)(logσ(z) − log(1−ε)) + σ(−z)(logσ(−z) − log ε)`; needs ε > 0 |
 * | `nca_pair` (arXiv:2402.05369) | `−logσ(c) − ½logσ(−c) − ½logσ(−r)` |
 * | `robust` (rDPO, arXiv:2403.00409) | `[(1−ε)softplus(−z) − ε softplus(z)] / (1−2ε)` (can be negative) |
 * | `bco_pair` (arXiv:2404.04656) | `−logσ(c − δ) − logσ(−(r − δ))`, δ = `bcoRewardShift` (0 = current TRL) |
 * | `sppo_hard` (arXiv:2405.00675) | `(s_c − 1/(2β))² + (s_r + 1/(2β))²` |
 * | `aot` (arXiv:2406.05882) | `d = sort(π_c−π_r) − sort(ρ_c−ρ_r)` over the batch; `−(1−ε)logσ(βd) − ε logσ(−βd)` |
 * | `aot_unpaired` | `d = sort(ℓ_c) − sort(ℓ_r)`, same smoothed loss |
 * | `apo_zero` (arXiv:2408.06266) | `(1 − σ(βℓ_c)) + σ(βℓ_r)` |
 * | `apo_down` | `σ(βℓ_c) + (1 − σ(z))` (the first term uses the raw log-ratio, as TRL) |
 * | `discopop` (arXiv:2406.08414) | `m = σ(z/τ)`: `(1−m)·softplus(−z) + m·e^{−z}` |
 * | `sigmoid_norm` | `softplus(−β(s_c/len_c − s_r/len_r))` |
 * | `sft` (TRL's NLL term, e.g. MPO's `["sigmoid", "bco_pair", "sft"]`) | `−Σ_i π_c,i / Σ_i len_c,i` for every pair: the token-mean NLL of the chosen completions (needs `chosenLengths`; π_c are token sums) |
 *
 * As TRL (`f_divergence_type`), the scores replace the log-ratios everywhere except `apo_zero`,
 * `aot`, `aot_unpaired`, `apo_down`'s first term and `sft`, which use the raw log-ratios or
 * log-probs (earlier releases ignored `fDivergence` in `ipo`, `sppo_hard`, `sigmoid_norm` and
 * `apo_down`; under reverse KL, the default, the numbers are unchanged).
 * Several types combine as `loss = Σ_k w_k · mean(L_k)`; `losses = Σ_k w_k L_k` per pair.
 * `sampleWeights` multiplies each pair's loss. Rewards (stop-gradient): `R_c = βℓ_c`, `R_r = βℓ_r`.
 * Metrics: `rewards/chosen|rejected|accuracies|margins`, `logps/chosen|rejected` (TRL names).
 *
 * Defaults (TRL `DPOConfig`): β 0.1, `sigmoid`, ε 0, τ 0.05, IPO length-averaged, reverse KL.
 * Edge cases: lengths are clamped to ≥ 1; `aot` with B = 1 is `cdpo`; `discopop` never gives
 * `0·Inf`. Errors: β ≤ 0 or ε ∉ [0, 0.5) → `INVALID_CONFIG`; shape mismatch → `SHAPE_MISMATCH`;
 * empty batch or missing lengths/references → `INVALID_INPUT`; NaN/Inf input → `NON_FINITE`.
 *
 * @example
 * const out = dpoLoss({
 *   policyChosen: tf.tensor1d([-10, -20]), policyRejected: tf.tensor1d([-12, -18]),
 *   refChosen: tf.tensor1d([-11, -18.5]), refRejected: tf.tensor1d([-11.5, -18.25]),
 * }, { beta: 0.5 });
 * out.loss.dataSync(); // [0.805158]
 * @remarks arXiv:2305.18290 (DPO); TRL `DPOTrainer._compute_loss` @ f2cd5771
 */
export function dpoLoss(inputs: PairwiseLogProbs, config: DpoConfig = {}): PreferenceLossOutput {
  const cfg = parseConfig(dpoConfig, config, "dpoLoss");
  const types = typeof cfg.lossType === "string" ? [cfg.lossType] : [...cfg.lossType];
  const weights = cfg.lossWeights ?? types.map(() => 1);
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", "dpoLoss: inputs must be { policyChosen, policyRejected, refChosen, refRejected, … }");
  for (const name of ["policyChosen", "policyRejected"] as const) assertTensor(inputs[name], "dpoLoss", name);
  for (const name of ["refChosen", "refRejected"] as const) if (inputs[name] !== undefined) assertTensor(inputs[name], "dpoLoss", name); // reference-free DPO omits them
  const { policyChosen, policyRejected, chosenLengths, rejectedLengths, sampleWeights } = inputs;
  let { refChosen, refRejected } = inputs;
  if (!cfg.referenceFree && (refChosen === undefined || refRejected === undefined)) {
    throw new RLError("INVALID_INPUT", "dpoLoss: refChosen and refRejected are required unless referenceFree is set");
  }
  if (cfg.referenceFree) {
    refChosen = undefined;
    refRejected = undefined;
  }
  assertBatchVectors(
    { policyChosen, policyRejected, refChosen, refRejected, chosenLengths, rejectedLengths, sampleWeights },
    "dpoLoss",
  );
  const needsLengths = types.includes("sigmoid_norm") || (types.includes("ipo") && cfg.ipoNormalize === "length");
  if (needsLengths && (chosenLengths === undefined || rejectedLengths === undefined)) {
    const type = types.includes("sigmoid_norm") ? "sigmoid_norm" : "ipo";
    throw new RLError("INVALID_INPUT", `dpoLoss: lossType "${type}" needs chosenLengths and rejectedLengths`);
  }
  if (types.includes("sft") && chosenLengths === undefined) throw new RLError("INVALID_INPUT", 'dpoLoss: lossType "sft" needs chosenLengths');
  const orders = types.includes("aot") || types.includes("aot_unpaired") ? aotOrders(policyChosen, policyRejected, refChosen, refRejected) : undefined;
  const out = tf.tidy(() => {
    const t = pairTerms(policyChosen, policyRejected, refChosen, refRejected, cfg.beta, { fDivergence: cfg.fDivergence, fAlpha: cfg.fAlpha });
    const ctx: DpoContext = {
      t,
      beta: cfg.beta,
      eps: cfg.labelSmoothing,
      tau: cfg.discopopTau,
      ipoNormalize: cfg.ipoNormalize,
      bcoShift: cfg.bcoRewardShift,
      lenC: chosenLengths === undefined ? undefined : stopGradient(chosenLengths),
      lenR: rejectedLengths === undefined ? undefined : stopGradient(rejectedLengths),
      orders,
    };
    const sw = sampleWeights === undefined ? undefined : stopGradient(sampleWeights);
    const parts = types.map((type, k) => {
      const l = perPairLoss[type](ctx);
      return tf.mul(sw === undefined ? l : tf.mul(l, sw), weights[k] as number);
    });
    const losses = (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Tensor1D;
    return {
      loss: tf.mean(losses) as tf.Scalar,
      losses,
      chosenRewards: stopGradient(tf.mul(t.lc, cfg.beta)) as tf.Tensor1D,
      rejectedRewards: stopGradient(tf.mul(t.lr, cfg.beta)) as tf.Tensor1D,
    };
  });
  const metrics = pairwiseMetrics(out.chosenRewards, out.rejectedRewards, policyChosen, policyRejected);
  return { ...out, metrics };
}
