import { RLError, assertTensor, describeValue, logSigmoid, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { assertShape, hostRows } from "./validate.js";

/** Inputs of {@link dnoLoss}: K sampled completions per prompt and their win rates (or pairwise preferences). */
export interface DnoInputs {
  /** Policy log-probs (token sums) of the K completions of each prompt `[B, K]`. */
  policyLogProbs: tf.Tensor;
  /** Log-probs under π_t, the previous iterate that sampled them `[B, K]` (stop-gradient). */
  refLogProbs: tf.Tensor;
  /** `r_t(x, y_k) = E_{y'~π_t} P(y_k ≻ y')`, estimated `[B][K]` (numbers or a tensor). */
  winRates?: tf.Tensor | ArrayLike<ArrayLike<number>>;
  /** `P(y_i ≻ y_j)` `[B][K][K]`: win rates are the means over `j ≠ i`. Give this or `winRates`. */
  preferences?: tf.Tensor | ArrayLike<ArrayLike<ArrayLike<number>>>;
}

/** Config of {@link dnoLoss}. */
export const dnoConfig = z.object({
  /** η of the paper, DPO's β in DNO-Prct (default 0.1, DPO's). */
  beta: z.number().positive().finite().default(0.1),
  /** `"soft"`: targets `σ(r_i − r_j)` (Algorithm 1); `"hard"`: the higher win rate wins (DNO-Prct, Algorithm 2). */
  targets: z.enum(["soft", "hard"]).default("soft"),
  /** `"all"`: every pair `i < j` of a prompt; `"extremes"`: only the best against the worst (DNO-Prct). */
  pairs: z.enum(["all", "extremes"]).default("all"),
  /** Drop pairs whose win rates differ by less than this (DNO-Prct's large-margin filter). Default 0 (keep all; `"hard"` drops ties). */
  minMargin: z.number().min(0).max(1).default(0),
});
/** The input form of `dnoConfig` (every field optional; defaults filled by parsing). */
export type DnoConfig = z.input<typeof dnoConfig>;

/** DNO metric names. */
export type DnoMetricName = "pairs" | "rewards/accuracies" | "rewards/margins";

/** What {@link dnoLoss} returns. */
export interface DnoOutput {
  /** Mean over the kept pairs of the whole batch (0 when no pair is kept). */
  loss: tf.Scalar;
  /** Per-pair losses `[P]`, in `(prompt, i, j)` order (see `pairIndices`). */
  losses: tf.Tensor1D;
  /** The kept pairs `[prompt, i, j]`, i the better completion under `"hard"`. */
  pairIndices: [number, number, number][];
  metrics: Record<DnoMetricName, number>;
}

function matrix(x: tf.Tensor | ArrayLike<ArrayLike<number>>, name: string, b: number, k: number, fn: string): number[][] {
  const rows = hostRows(x, name, fn);
  if (rows.length !== b || rows.some((r) => !Array.isArray(r) || r.length !== k)) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be [${b}][${k}] like policyLogProbs`);
  }
  rows.forEach((r, i) => r.forEach((v, j) => {
    if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `${fn}: ${name}[${i}][${j}] is ${v}`);
  }));
  return rows;
}

/** r_i = mean_{j≠i} P(y_i ≻ y_j) per prompt. */
function winRatesFromPreferences(p: tf.Tensor | ArrayLike<ArrayLike<ArrayLike<number>>>, b: number, k: number, fn: string): number[][] {
  if (p instanceof tf.Tensor) assertTensor(p, fn, "preferences", { dtypes: ["float32", "int32"] });
  if (p === null || typeof p !== "object" || typeof (p as ArrayLike<unknown>).length !== "number") {
    throw new RLError("INVALID_INPUT", `${fn}: preferences must be a tensor or an array [B][K][K], got ${describeValue(p)}`);
  }
  const cube = p instanceof tf.Tensor ? (p.arraySync() as number[][][]) : Array.from(p, (m) => m as ArrayLike<ArrayLike<number>>);
  if (cube.length !== b) throw new RLError("SHAPE_MISMATCH", `${fn}: preferences has ${cube.length} prompts, policyLogProbs has ${b}`);
  return cube.map((m, x) => {
    const rows = matrix(m, `preferences[${x}]`, k, k, fn);
    return rows.map((r, i) => {
      let s = 0;
      r.forEach((v, j) => {
        if (v < 0 || v > 1) throw new RLError("INVALID_INPUT", `${fn}: preferences[${x}][${i}][${j}] is ${v}; expected a probability`);
        if (j !== i) s += v;
      });
      return s / (k - 1);
    });
  });
}

/**
 * DNO, Direct Nash Optimization (Rosset et al. 2024, arXiv:2404.03715): batched on-policy
 * self-improvement towards the Nash equilibrium of a general preference P. Each iteration samples
 * K completions per prompt from π_t, estimates their win rates against π_t,
 * `r_t(x, y) = E_{y'~π_t} P(y ≻ y' | x)`, and regresses the policy's implicit reward differences
 * onto them with a logistic (contrastive) loss — Algorithm 1, line 4, as a loss to minimise:
 *
 *   d_ij = β·[(π_i − ρ_i) − (π_j − ρ_j)]          (ρ = log π_t, stop-gradient; β = η)
 *   soft: L_ij = −[σ(r_i − r_j)·logσ(d_ij) + σ(r_j − r_i)·logσ(−d_ij)]
 *   hard: L_ij = −logσ(d_ij),  i the completion with the higher win rate (DNO-Prct, Algorithm 2)
 *   loss = mean over the kept pairs of the batch
 *
 * The minimiser of the soft loss is `β·log π/π_t = r_t + const`, the soft policy iteration
 * `π_{t+1} ∝ π_t·exp(r_t/η)` that the paper proves converges to the Nash equilibrium. Hard labels on
 * the best-versus-worst pair with a margin filter (`pairs: "extremes"`, `minMargin`) is the
 * practical recipe (DNO-Prct: iterative DPO with π_t as the reference). With `preferences`
 * `[B][K][K]`, `r_i` is the mean of `P(y_i ≻ y_j)` over `j ≠ i`.
 * No official code is public; derived from the paper's Algorithms 1 and 2.
 * Metrics: `pairs` (kept), `rewards/accuracies` (share of kept pairs where `d_ij` has the sign of
 * `r_i − r_j`), `rewards/margins` (mean `d_ij` oriented to the higher win rate).
 * Edge cases: a batch with no kept pair has loss 0 and `pairs: 0`; K ≥ 2 required.
 *
 * @example
 * const out = dnoLoss({
 *   policyLogProbs: tf.tensor2d([[-3, -4, -5]]), refLogProbs: tf.tensor2d([[-3.5, -3.5, -5]]),
 *   winRates: [[0.75, 0.5, 0.25]],
 * }, { beta: 1 });
 * out.metrics.pairs;        // 3
 * out.loss.dataSync();      // [0.72303]
 * @remarks arXiv:2404.03715
 */
export function dnoLoss(inputs: DnoInputs, config: DnoConfig = {}): DnoOutput {
  const fn = "dnoLoss";
  const cfg = parseConfig(dnoConfig, config, fn);
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", `${fn}: inputs must be { policyLogProbs, refLogProbs, winRates | preferences }`);
  assertTensor(inputs.policyLogProbs, fn, "policyLogProbs", { rank: 2 });
  const [b, k] = inputs.policyLogProbs.shape as [number, number];
  if (b === 0) throw new RLError("INVALID_INPUT", `${fn}: empty batch (policyLogProbs has 0 rows)`);
  if (k < 2) throw new RLError("INVALID_INPUT", `${fn}: needs K ≥ 2 completions per prompt, got ${k}`);
  assertShape(inputs.refLogProbs, [b, k], "refLogProbs", fn);
  for (const [name, t] of [["policyLogProbs", inputs.policyLogProbs], ["refLogProbs", inputs.refLogProbs]] as const) {
    const d = t.dataSync();
    for (let q = 0; q < d.length; q++) if (!Number.isFinite(d[q] as number)) throw new RLError("NON_FINITE", `${fn}: ${name} entry ${q} is ${d[q]}`);
  }
  if ((inputs.winRates === undefined) === (inputs.preferences === undefined)) {
    throw new RLError("INVALID_INPUT", `${fn}: give either winRates or preferences, not ${inputs.winRates === undefined ? "neither" : "both"}`);
  }
  const r = inputs.winRates !== undefined ? matrix(inputs.winRates, "winRates", b, k, fn) : winRatesFromPreferences(inputs.preferences as NonNullable<DnoInputs["preferences"]>, b, k, fn);
  const pairs: [number, number, number][] = [];
  const wins: number[] = [];
  r.forEach((row, x) => {
    const candidates: [number, number][] = [];
    if (cfg.pairs === "all") {
      for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) candidates.push([i, j]);
    } else {
      let best = 0;
      let worst = 0;
      row.forEach((v, i) => {
        if (v > (row[best] as number)) best = i;
        if (v < (row[worst] as number)) worst = i;
      });
      if (best !== worst) candidates.push([best, worst]);
    }
    for (const [i0, j0] of candidates) {
      const gap = (row[i0] as number) - (row[j0] as number);
      if (Math.abs(gap) < cfg.minMargin) continue;
      if (cfg.targets === "hard") {
        if (gap === 0) continue;
        const [i, j] = gap > 0 ? [i0, j0] : [j0, i0];
        pairs.push([x, i, j]);
        wins.push(1);
      } else {
        pairs.push([x, i0, j0]);
        wins.push(1 / (1 + Math.exp(-gap)));
      }
    }
  });
  const out = tf.tidy(() => {
    if (pairs.length === 0) return { loss: tf.scalar(0), losses: tf.tensor1d([]), d: tf.tensor1d([]) };
    const ell = tf.reshape(tf.sub(inputs.policyLogProbs, stopGradient(inputs.refLogProbs)), [-1]);
    const a = tf.gather(ell, tf.tensor1d(pairs.map(([x, i]) => x * k + i), "int32"));
    const c = tf.gather(ell, tf.tensor1d(pairs.map(([x, , j]) => x * k + j), "int32"));
    const d = tf.mul(tf.sub(a, c), cfg.beta);
    const q = tf.tensor1d(wins);
    const losses = tf.neg(tf.add(tf.mul(q, logSigmoid(d)), tf.mul(tf.sub(1, q), logSigmoid(tf.neg(d)))));
    return { loss: tf.mean(losses), losses, d: stopGradient(d) };
  });
  const dv = out.d.dataSync();
  out.d.dispose();
  if (dv.some((v) => !Number.isFinite(v))) {
    out.loss.dispose();
    out.losses.dispose();
    throw new RLError("NON_FINITE", `${fn}: β·(log-ratio gap) is not finite in float32 (beta ${cfg.beta}); lower beta`);
  }
  let agree = 0;
  let margin = 0;
  pairs.forEach(([x, i, j], p) => {
    const sign = Math.sign((r[x]?.[i] as number) - (r[x]?.[j] as number)) || 1;
    const oriented = sign * (dv[p] as number);
    margin += oriented;
    if (oriented > 0) agree += 1;
  });
  const n = pairs.length;
  return {
    loss: out.loss as tf.Scalar,
    losses: out.losses as tf.Tensor1D,
    pairIndices: pairs,
    metrics: { pairs: n, "rewards/accuracies": n > 0 ? agree / n : 0, "rewards/margins": n > 0 ? margin / n : 0 },
  };
}
