import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { gatherLogProbs } from "../math/log-probs.js";
import { Rng } from "../random/rng.js";
import { tf } from "../tf.js";
import { describeValue } from "../validate.js";

/** A causal language model as a function: token ids `[B, T]` (int32) → logits `[B, T, V]` (the caller owns the result). */
export type LogitsModel = (tokenIds: tf.Tensor2D) => tf.Tensor3D;

/**
 * The optional KV-cache protocol: a model that keeps its attention keys / values between steps.
 * `prefill` reads the prompts (`[B, P]`, equal lengths) and returns the logits of the last
 * position `[B, V]` and a cache; `step` reads one new token per row (`[B, 1]`) and the cache and
 * returns the next logits and the new cache (it may reuse or replace the old one);
 * `disposeCache` frees a cache `generate` no longer needs. Logits must equal what the full
 * forward pass gives at the same position.
 */
export interface CachedLogitsModel<C = unknown> {
  prefill(tokenIds: tf.Tensor2D): { logits: tf.Tensor2D; cache: C };
  step(tokenIds: tf.Tensor2D, cache: C): { logits: tf.Tensor2D; cache: C };
  disposeCache?(cache: C): void;
}

/**
 * Config of {@link generate} (Hugging Face `generate` / vLLM `SamplingParams` names and defaults):
 * - `maxNewTokens` (required): the completion budget, stop token included.
 * - `temperature` (1): logits are divided by it before sampling and for `logProbs`.
 * - `topK` (0 = off), `topP` (1 = off), `minP` (0 = off): applied in that order (HF's order),
 *   each on the distribution the previous one left (see {@link sampleToken}).
 * - `greedy` (false): take the argmax instead of sampling (no `rng` needed).
 * - `stopTokenIds` ([]): a row ends after sampling one of them (kept, mask 1); its later positions
 *   hold `padTokenId` with mask 0.
 * - `padTokenId` (0), `rng` (required unless `greedy`): core's seeded {@link Rng}.
 */
export const generateConfig = z.object({
  maxNewTokens: z.number().int().positive(),
  temperature: z.number().positive().default(1),
  topK: z.number().int().nonnegative().default(0),
  topP: z.number().gt(0).max(1).default(1),
  minP: z.number().min(0).max(1).default(0),
  greedy: z.boolean().default(false),
  stopTokenIds: z.array(z.number().int().nonnegative()).default([]),
  padTokenId: z.number().int().nonnegative().default(0),
  rng: z.custom<Rng>((v) => v instanceof Rng, { message: "must be an Rng (createRng(seed))" }).optional(),
});
/** Input type of {@link generateConfig}. */
export type GenerateConfig = z.input<typeof generateConfig>;

/** Result of {@link generate}: `[B][L]` lists, `L` = the steps taken (≤ `maxNewTokens`). */
export interface Generation {
  /** Completion ids, `padTokenId` after a row's stop token. */
  readonly tokenIds: number[][];
  /** `log softmax(z / τ)[token]`: the policy's log-prob at the sampling temperature, before top-k / top-p / min-p (what `modelTokenLogProbs` with the same temperature recomputes); 0 where masked. */
  readonly logProbs: number[][];
  /** Log-prob under the distribution actually sampled (after the filters, renormalised); equals `logProbs` with no filter; 0 where masked. */
  readonly samplingLogProbs: number[][];
  /** 1 up to and including the stop token, 0 after it. */
  readonly mask: number[][];
  /** `"stop"` (a stop token was sampled) or `"length"` (the budget ran out), per row. */
  readonly finishReasons: ("stop" | "length")[];
}

/**
 * Autoregressive decoding for a tfjs policy: any `model(ids) → logits` function, or a
 * {@link CachedLogitsModel} (then each step feeds one token per row). Per step and row:
 *
 *   p = softmax(z / τ);  p ← topK(p) → topP(p) → minP(p);  y ~ p / Σp  (argmax z when greedy)
 *   logProbs = log softmax(z / τ)[y],   samplingLogProbs = log (p[y] / Σp)
 *
 * Prompts may differ in length (function models only): each row is right-padded and read at its
 * own last position, which a causal model computes independently of the padding after it. A row
 * stops at its first stop token (`finishReason "stop"`) or at `maxNewTokens` (`"length"`). The
 * same seed gives the same tokens on every run. Leak-free (every tensor of a step is freed).
 *
 * @example
 * const model = (ids) => tf.tidy(() => tf.reverse(tf.mul(tf.cast(tf.oneHot(tf.cast(ids, "int32"), 3), "float32"), 5), -1)); // V = 3
 * const g = generate(model, [[0]], { maxNewTokens: 2, greedy: true, stopTokenIds: [1] });
 * g.tokenIds; // [[2, 0]]
 * @remarks Mirrors the Hugging Face transformers `generate` logits processors and vLLM `SamplingParams`.
 */
export function generate(model: LogitsModel | CachedLogitsModel, prompts: readonly (readonly number[])[], config: GenerateConfig): Generation {
  const fn = "generate";
  const cfg = parseConfig(generateConfig, config, fn);
  if (!cfg.greedy && cfg.rng === undefined) throw new RLError("INVALID_CONFIG", `${fn}: rng is required when sampling (or set greedy: true)`);
  if (!Array.isArray(prompts)) throw new RLError("INVALID_INPUT", `${fn}: prompts must be a list of token id lists`);
  const B = prompts.length;
  const empty: Generation = { tokenIds: [], logProbs: [], samplingLogProbs: [], mask: [], finishReasons: [] };
  if (B === 0) return empty;
  prompts.forEach((p, b) => {
    if (!Array.isArray(p) || p.length === 0) throw new RLError("INVALID_INPUT", `${fn}: prompts[${b}] must be a non-empty list of token ids`);
    p.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0) throw new RLError("INVALID_INPUT", `${fn}: prompts[${b}][${t}] is ${describeValue(id)}; token ids are non-negative integers`);
    });
  });
  const cached = typeof model !== "function";
  if (cached && (typeof model !== "object" || model === null || typeof (model as CachedLogitsModel).prefill !== "function" || typeof (model as CachedLogitsModel).step !== "function")) {
    throw new RLError("INVALID_INPUT", `${fn}: model must be a function (token ids → logits) or a cached model { prefill, step }, got ${describeValue(model)}`);
  }
  if (cached && prompts.some((p) => p.length !== (prompts[0] as readonly number[]).length)) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: a cached model needs prompts of one length`);
  }
  const stops = new Set(cfg.stopTokenIds);
  const seqs = prompts.map((p) => [...p]);
  const out = { tokenIds: prompts.map(() => [] as number[]), logProbs: prompts.map(() => [] as number[]), samplingLogProbs: prompts.map(() => [] as number[]), mask: prompts.map(() => [] as number[]) };
  const done = new Array<boolean>(B).fill(false);
  let cache: unknown;
  let hasCache = false;
  try {
    for (let step = 0; step < cfg.maxNewTokens; step++) {
      let last: tf.Tensor2D;
      if (!cached) last = lastLogits(model, seqs);
      else {
        const m = model as CachedLogitsModel;
        const ids = step === 0 ? tf.tensor2d(seqs.map((s) => [...s]), undefined, "int32") : tf.tensor2d(seqs.map((s) => [s[s.length - 1] as number]), [B, 1], "int32");
        let r: { logits: tf.Tensor2D; cache: unknown };
        try {
          r = step === 0 ? m.prefill(ids) : m.step(ids, cache);
        } finally {
          ids.dispose();
        }
        if (hasCache && r.cache !== cache) m.disposeCache?.(cache);
        cache = r.cache;
        hasCache = true;
        last = r.logits;
      }
      let picked: number[];
      let sampling: number[];
      let lps: Float32Array;
      try {
        if (last.rank !== 2 || last.shape[0] !== B) throw new RLError("SHAPE_MISMATCH", `${fn}: the model's last logits are [${last.shape.join(",")}], expected [${B}, V]`);
        ({ picked, sampling } = pick(last, done, cfg));
        const lp = tf.tidy(() => gatherLogProbs(last, tf.tensor1d(picked, "int32"), { temperature: cfg.temperature }));
        lps = lp.dataSync() as Float32Array;
        lp.dispose();
      } finally {
        last.dispose();
      }
      for (let b = 0; b < B; b++) {
        const id = picked[b] as number;
        (seqs[b] as number[]).push(id);
        (out.tokenIds[b] as number[]).push(id);
        (out.logProbs[b] as number[]).push(done[b] ? 0 : (lps[b] as number));
        (out.samplingLogProbs[b] as number[]).push(done[b] ? 0 : (sampling[b] as number));
        (out.mask[b] as number[]).push(done[b] ? 0 : 1);
        if (!done[b] && stops.has(id)) done[b] = true;
      }
      if (done.every(Boolean)) break;
    }
  } finally {
    if (hasCache) (model as CachedLogitsModel).disposeCache?.(cache);
  }
  return { ...out, finishReasons: done.map((d) => (d ? "stop" : "length")) };
}

/** Logits `[B, V]` at each row's last real position, rows right-padded to one length. */
function lastLogits(model: LogitsModel, seqs: readonly (readonly number[])[]): tf.Tensor2D {
  return tf.tidy(() => {
    const T = Math.max(...seqs.map((s) => s.length));
    const ids = tf.tensor2d(seqs.map((s) => [...s, ...new Array<number>(T - s.length).fill(0)]), undefined, "int32");
    const logits = model(ids);
    if (logits.rank !== 3 || logits.shape[0] !== seqs.length || logits.shape[1] !== T) {
      throw new RLError("SHAPE_MISMATCH", `generate: the model returned [${logits.shape.join(",")}] for ids [${seqs.length},${T}], expected [B, T, V]`);
    }
    const V = logits.shape[2];
    if (seqs.every((s) => s.length === T)) return tf.reshape(tf.slice(logits, [0, T - 1, 0], [seqs.length, 1, V]), [seqs.length, V]) as tf.Tensor2D;
    const flat = tf.reshape(logits, [seqs.length * T, V]);
    return tf.gather(flat, tf.tensor1d(seqs.map((s, b) => b * T + s.length - 1), "int32")) as tf.Tensor2D;
  });
}

function pick(last: tf.Tensor2D, done: readonly boolean[], cfg: z.output<typeof generateConfig>): { picked: number[]; sampling: number[] } {
  const [B, V] = last.shape;
  const picked: number[] = [];
  const sampling: number[] = [];
  if (cfg.greedy) {
    const z = last.dataSync();
    const lpT = tf.tidy(() => tf.logSoftmax(tf.div(last, cfg.temperature), -1));
    const p = lpT.dataSync() as Float32Array;
    lpT.dispose();
    for (let b = 0; b < B; b++) {
      const id = done[b] ? cfg.padTokenId : argmax(z.subarray(b * V, (b + 1) * V));
      picked.push(id);
      sampling.push(done[b] ? 0 : (p[b * V + id] as number));
    }
    return { picked, sampling };
  }
  const probsT = tf.tidy(() => tf.softmax(tf.div(last, cfg.temperature), -1));
  const probs = probsT.dataSync() as Float32Array;
  probsT.dispose();
  for (let b = 0; b < B; b++) {
    if (done[b]) {
      picked.push(cfg.padTokenId);
      sampling.push(0);
      continue;
    }
    const { token, logProb } = sampleFiltered(probs.subarray(b * V, (b + 1) * V), cfg.rng as Rng, cfg);
    picked.push(token);
    sampling.push(logProb);
  }
  return { picked, sampling };
}

/**
 * Samples one token from probabilities `p` (`softmax(z / τ)`) after the Hugging Face filters, in
 * HF's order, each on the renormalised result of the previous one:
 *
 *   topK:  keep p_i ≥ (k-th largest p)               (ties at the k-th value kept; 0 = off)
 *   topP:  sort ascending, drop i while Σ_{j ≤ i} p_j ≤ 1 − topP (the most likely token always kept; 1 = off)
 *   minP:  keep p_i ≥ minP · max_j p_j              (0 = off)
 *
 * Returns the token and `log(p'_y / Σ p')`. With no filter the draw is `rng.categorical(p)`.
 * @example
 * sampleToken([0.5, 0.3, 0.2], createRng(0), { topK: 1 }); // { token: 0, logProb: 0 }
 * @remarks Mirrors transformers `TopKLogitsWarper`, `TopPLogitsWarper` and `MinPLogitsWarper` (transformers/generation/logits_process.py).
 */
export function sampleToken(p: ArrayLike<number>, rng: Rng, filters: { topK?: number; topP?: number; minP?: number } = {}): { token: number; logProb: number } {
  if (!(rng instanceof Rng)) throw new RLError("INVALID_INPUT", `sampleToken: rng must be an Rng (createRng(seed)), got ${describeValue(rng)}`);
  if (typeof filters !== "object" || filters === null) throw new RLError("INVALID_INPUT", `sampleToken: filters must be an object, got ${describeValue(filters)}`);
  if (typeof p !== "object" || p === null || typeof p.length !== "number") throw new RLError("INVALID_INPUT", `sampleToken: p must be an array of probabilities, got ${describeValue(p)}`);
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (typeof v !== "number" || !(v >= 0) || v === Infinity) throw new RLError("INVALID_INPUT", `sampleToken: p[${i}] is ${describeValue(v)}; probabilities are finite numbers ≥ 0`);
  }
  for (const key of ["topK", "topP", "minP"] as const) {
    const v = filters[key];
    if (v !== undefined && (typeof v !== "number" || Number.isNaN(v))) throw new RLError("INVALID_INPUT", `sampleToken: filters.${key} must be a number, got ${describeValue(v)}`);
  }
  return sampleFiltered(p, rng, filters);
}

/** {@link sampleToken} without the boundary checks (the generation loop's probabilities come from a softmax). */
function sampleFiltered(p: ArrayLike<number>, rng: Rng, filters: { topK?: number; topP?: number; minP?: number }): { token: number; logProb: number } {
  const topK = filters.topK ?? 0;
  const topP = filters.topP ?? 1;
  const minP = filters.minP ?? 0;
  let w: ArrayLike<number> = p;
  if (topK > 0 || topP < 1 || minP > 0) {
    const kept = Float64Array.from(p);
    if (topK > 0 && topK < kept.length) {
      const kth = [...kept].sort((a, b) => b - a)[topK - 1] as number;
      for (let i = 0; i < kept.length; i++) if ((kept[i] as number) < kth) kept[i] = 0;
    }
    if (topP < 1) {
      const total = kept.reduce((a, v) => a + v, 0);
      const order = Array.from(kept.keys()).sort((a, b) => (kept[a] as number) - (kept[b] as number));
      let cum = 0;
      for (let r = 0; r < order.length - 1; r++) {
        const i = order[r] as number;
        cum += (kept[i] as number) / total;
        if (cum <= 1 - topP) kept[i] = 0;
        else break;
      }
    }
    if (minP > 0) {
      const max = kept.reduce((a, v) => Math.max(a, v), 0);
      for (let i = 0; i < kept.length; i++) if ((kept[i] as number) < minP * max) kept[i] = 0;
    }
    w = kept;
  }
  const token = rng.categorical(w);
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i] as number;
  return { token, logProb: Math.log((w[token] as number) / total) };
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if ((row[k] as number) > (row[best] as number)) best = k;
  return best;
}
