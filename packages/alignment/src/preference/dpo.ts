import { RLError, logSigmoid, parseConfig, stopGradient, tf, assertTensor } from "@rl/core";
import { z } from "zod";
import { fDivergenceScore, fDivergenceTypes } from "./f-divergence.js";
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
/** One of {@link dpoLossTypes}. */
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

interface DpoTerms {
  beta: number;
  eps: number;
  tau: number;
  ipoNormalize: "length" | "none";
  bcoShift: number;
  /** Raw log-ratios ℓ_c, ℓ_r. */
  lc: tf.Tensor;
  lr: tf.Tensor;
  /** f-divergence scores s(ℓ_c), s(ℓ_r) (= ℓ_c, ℓ_r under reverse KL). */
  sc: tf.Tensor;
  sr: tf.Tensor;
  /** β·s(ℓ_c), β·s(ℓ_r), z = their difference. */
  c: tf.Tensor;
  r: tf.Tensor;
  z: tf.Tensor;
  pc: tf.Tensor;
  pr: tf.Tensor;
  rc: tf.Tensor;
  rr: tf.Tensor;
  lenC: tf.Tensor | undefined;
  lenR: tf.Tensor | undefined;
  /** Sorting permutations for `aot` / `aot_unpaired`, computed from the input values. */
  order: { policyMargin: number[]; refMargin: number[]; chosenRatio: number[]; rejectedRatio: number[] };
}

/** `−(1−ε)·logσ(x) − ε·logσ(−x)`. */
function smoothedSigmoid(x: tf.Tensor, eps: number): tf.Tensor {
  const clean = tf.neg(logSigmoid(x));
  if (eps === 0) return clean;
  return tf.add(tf.mul(clean, 1 - eps), tf.mul(tf.neg(logSigmoid(tf.neg(x))), eps));
}

/** Indices that sort `values` ascending (computed on plain numbers: no gradient flows through a sort). */
function argsort(values: readonly number[]): number[] {
  return values.map((_, k) => k).sort((a, b) => (values[a] as number) - (values[b] as number));
}

/** `x` gathered by a precomputed permutation (gather is differentiable w.r.t. `x`). */
function permute(x: tf.Tensor, order: readonly number[]): tf.Tensor {
  return tf.gather(x, tf.tensor1d(order as number[], "int32"));
}

function lengthNormalised(t: DpoTerms, type: string): { hc: tf.Tensor; hr: tf.Tensor } {
  if (t.lenC === undefined || t.lenR === undefined) {
    throw new RLError("INVALID_INPUT", `dpoLoss: lossType "${type}" needs chosenLengths and rejectedLengths`);
  }
  return { hc: tf.div(t.sc, tf.maximum(t.lenC, 1)), hr: tf.div(t.sr, tf.maximum(t.lenR, 1)) };
}

const perPairLoss: Record<DpoLossType, (t: DpoTerms) => tf.Tensor> = {
  sigmoid: (t) => tf.neg(logSigmoid(t.z)),
  cdpo: (t) => smoothedSigmoid(t.z, t.eps),
  hinge: (t) => tf.relu(tf.sub(1, t.z)),
  ipo: (t) => {
    if (t.ipoNormalize === "none") return tf.square(tf.sub(tf.sub(t.sc, t.sr), 1 / (2 * t.beta)));
    const { hc, hr } = lengthNormalised(t, "ipo");
    return tf.square(tf.sub(tf.sub(hc, hr), 1 / (2 * t.beta)));
  },
  exo_pair: (t) => {
    const a = tf.mul(tf.sigmoid(t.z), tf.sub(logSigmoid(t.z), Math.log(1 - t.eps)));
    const b = tf.mul(tf.sigmoid(tf.neg(t.z)), tf.sub(logSigmoid(tf.neg(t.z)), Math.log(t.eps)));
    return tf.add(a, b);
  },
  nca_pair: (t) =>
    tf.neg(tf.addN([logSigmoid(t.c), tf.mul(logSigmoid(tf.neg(t.c)), 0.5), tf.mul(logSigmoid(tf.neg(t.r)), 0.5)])),
  robust: (t) => {
    const clean = tf.mul(tf.softplus(tf.neg(t.z)), 1 - t.eps);
    const flipped = tf.mul(tf.softplus(t.z), t.eps);
    return tf.div(tf.sub(clean, flipped), 1 - 2 * t.eps);
  },
  bco_pair: (t) => tf.neg(tf.add(logSigmoid(tf.sub(t.c, t.bcoShift)), logSigmoid(tf.neg(tf.sub(t.r, t.bcoShift))))),
  sppo_hard: (t) => tf.add(tf.square(tf.sub(t.sc, 1 / (2 * t.beta))), tf.square(tf.add(t.sr, 1 / (2 * t.beta)))),
  aot: (t) => {
    const d = tf.sub(permute(tf.sub(t.pc, t.pr), t.order.policyMargin), permute(tf.sub(t.rc, t.rr), t.order.refMargin));
    return smoothedSigmoid(tf.mul(d, t.beta), t.eps);
  },
  aot_unpaired: (t) => {
    const d = tf.sub(permute(t.lc, t.order.chosenRatio), permute(t.lr, t.order.rejectedRatio));
    return smoothedSigmoid(tf.mul(d, t.beta), t.eps);
  },
  apo_zero: (t) => {
    const c = tf.mul(t.lc, t.beta);
    const r = tf.mul(t.lr, t.beta);
    return tf.add(tf.sub(1, tf.sigmoid(c)), tf.sigmoid(r));
  },
  apo_down: (t) => tf.add(tf.sigmoid(tf.mul(t.lc, t.beta)), tf.sub(1, tf.sigmoid(t.z))),
  discopop: (t) => {
    const zt = tf.div(t.z, t.tau);
    const logistic = tf.mul(tf.sigmoid(tf.neg(zt)), tf.softplus(tf.neg(t.z)));
    // m·e^{−z} = exp(logσ(z/τ) − z): no 0·Inf = NaN where m underflows and e^{−z} overflows.
    const expPart = tf.exp(tf.minimum(tf.sub(logSigmoid(zt), t.z), 80));
    return tf.add(logistic, expPart);
  },
  sigmoid_norm: (t) => {
    const { hc, hr } = lengthNormalised(t, "sigmoid_norm");
    return tf.softplus(tf.neg(tf.mul(tf.sub(hc, hr), t.beta)));
  },
  sft: (t) => {
    if (t.lenC === undefined) throw new RLError("INVALID_INPUT", 'dpoLoss: lossType "sft" needs chosenLengths');
    // token-mean NLL of the chosen completions: −Σ_i π_c,i / Σ_i len_c,i, the same for every pair
    const nll = tf.div(tf.neg(tf.sum(t.pc)), tf.maximum(tf.sum(t.lenC), 1));
    return tf.mul(nll, tf.onesLike(t.pc));
  },
};

/**
 * Direct Preference Optimisation and every TRL `loss_type` (spec alignment.md §§3–7).
 *
 * With `ℓ_c = π_c − ρ_c`, `ℓ_r = π_r − ρ_r` (log-ratios), f-divergence scores `s_c = s(ℓ_c)`,
 * `s_r = s(ℓ_r)` (`fDivergenceScore`; reverse KL, the default: `s(ℓ) = ℓ`), `c = β s_c`, `r = β s_r`,
 * `z = c − r`, ε = `labelSmoothing`:
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
  const order = { policyMargin: [] as number[], refMargin: [] as number[], chosenRatio: [] as number[], rejectedRatio: [] as number[] };
  if (types.includes("aot") || types.includes("aot_unpaired")) {
    const zeros = (): Float32Array => new Float32Array(policyChosen.shape[0] as number);
    const [pcv, prv] = [policyChosen.dataSync(), policyRejected.dataSync()];
    const [rcv, rrv] = [refChosen?.dataSync() ?? zeros(), refRejected?.dataSync() ?? zeros()];
    const at = (d: ArrayLike<number>, k: number): number => d[k] as number;
    const idx = Array.from(pcv, (_, k) => k);
    order.policyMargin = argsort(idx.map((k) => at(pcv, k) - at(prv, k)));
    order.refMargin = argsort(idx.map((k) => at(rcv, k) - at(rrv, k)));
    order.chosenRatio = argsort(idx.map((k) => at(pcv, k) - at(rcv, k)));
    order.rejectedRatio = argsort(idx.map((k) => at(prv, k) - at(rrv, k)));
  }
  const out = tf.tidy(() => {
    const pc = policyChosen;
    const pr = policyRejected;
    const rc = refChosen === undefined ? tf.zerosLike(pc) : stopGradient(refChosen);
    const rr = refRejected === undefined ? tf.zerosLike(pr) : stopGradient(refRejected);
    const lc = tf.sub(pc, rc);
    const lr = tf.sub(pr, rr);
    const fd = { fDivergence: cfg.fDivergence, fAlpha: cfg.fAlpha };
    const sc = fDivergenceScore(lc, fd);
    const sr = fDivergenceScore(lr, fd);
    const c = tf.mul(sc, cfg.beta);
    const r = tf.mul(sr, cfg.beta);
    const terms: DpoTerms = {
      beta: cfg.beta,
      eps: cfg.labelSmoothing,
      tau: cfg.discopopTau,
      ipoNormalize: cfg.ipoNormalize,
      bcoShift: cfg.bcoRewardShift,
      lc,
      lr,
      sc,
      sr,
      c,
      r,
      z: tf.sub(c, r),
      pc,
      pr,
      rc,
      rr,
      lenC: chosenLengths === undefined ? undefined : stopGradient(chosenLengths),
      lenR: rejectedLengths === undefined ? undefined : stopGradient(rejectedLengths),
      order,
    };
    const sw = sampleWeights === undefined ? undefined : stopGradient(sampleWeights);
    const parts = types.map((type, k) => {
      const l = perPairLoss[type](terms);
      return tf.mul(sw === undefined ? l : tf.mul(l, sw), weights[k] as number);
    });
    const losses = (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Tensor1D;
    return {
      loss: tf.mean(losses) as tf.Scalar,
      losses,
      chosenRewards: stopGradient(tf.mul(lc, cfg.beta)) as tf.Tensor1D,
      rejectedRewards: stopGradient(tf.mul(lr, cfg.beta)) as tf.Tensor1D,
    };
  });
  const metrics = pairwiseMetrics(out.chosenRewards, out.rejectedRewards, policyChosen, policyRejected);
  return { ...out, metrics };
}
