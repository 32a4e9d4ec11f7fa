import { RLError, createRng, gatherLogProbs, linear, tf, type CachedLogitsModel, type Rng } from "@rl/core";
import { EOS, PAD } from "./task.js";

/**
 * A tiny character-level causal transformer in raw tfjs (pre-LayerNorm GPT blocks).
 *
 * Every weight is a `tf.variable` in `[in, out]` layout and every weight product goes through
 * core's `linear` (one 2-D matmul: the wasm backend's fast path). The token embedding is a
 * one-hot product (V = 14), so no gather gradient is needed.
 */
export interface PolicyConfig {
  /** Vocabulary size. */
  vocabSize: number;
  /** Longest sequence (prompt + response). */
  maxLength: number;
  /** Model width. Default 48. */
  dModel?: number;
  /** Attention heads. Default 4. */
  nHeads?: number;
  /** Blocks. Default 2. */
  nLayers?: number;
  /** Hidden width of the MLP = ffMult·dModel. Default 4. */
  ffMult?: number;
}

/** The resolved config of a {@link Policy}. */
export type ResolvedPolicyConfig = Required<PolicyConfig>;

/** The policy: its weights and its forward pass. */
export interface Policy {
  readonly config: ResolvedPolicyConfig;
  /** Every trainable weight (the optimiser's var list). */
  readonly variables: tf.Variable[];
  /** The trunk: token ids `[B, T]` (int32) → final hidden states `[B, T, d]` (after the last LayerNorm). */
  hidden(tokenIds: tf.Tensor2D): tf.Tensor3D;
  /** Token ids `[B, T]` (int32) → next-token logits `[B, T, V]`. Differentiable; caller owns the result. */
  logits(tokenIds: tf.Tensor2D): tf.Tensor3D;
  /** The output layer: hidden states `[B, T, d]` → logits `[B, T, V]` (`logits = readout(hidden)`). */
  readout(hidden: tf.Tensor3D): tf.Tensor3D;
  /**
   * The same model for core's `generate` with a KV cache (`prefill` the prompts, then one token per
   * row and step): each step runs the new position only. Logits equal `logits`' at the same
   * position to float32 rounding. Not differentiable (sampling only).
   */
  readonly decoder: CachedLogitsModel<DecodeCache>;
  /** Frees every weight. */
  dispose(): void;
}

/** The keys and values of every layer for the positions decoded so far (plain arrays, `[B, maxLength, d]` each). */
export interface DecodeCache {
  /** Positions filled. */
  len: number;
  readonly k: Float32Array[];
  readonly v: Float32Array[];
}

interface Block {
  ln1g: tf.Variable; ln1b: tf.Variable;
  wqkv: tf.Variable; wo: tf.Variable; bo: tf.Variable;
  ln2g: tf.Variable; ln2b: tf.Variable;
  w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable;
}

function resolve(config: PolicyConfig): ResolvedPolicyConfig {
  const c = { dModel: 48, nHeads: 4, nLayers: 2, ffMult: 4, ...config };
  for (const [k, v] of Object.entries(c)) {
    if (!Number.isInteger(v) || v < 1) throw new RLError("INVALID_CONFIG", `createPolicy: ${k} must be a positive integer, got ${v}`);
  }
  if (c.dModel % c.nHeads !== 0) {
    throw new RLError("INVALID_CONFIG", `createPolicy: dModel (${c.dModel}) must be divisible by nHeads (${c.nHeads})`);
  }
  return c;
}

/**
 * Creates a policy with seeded weights (N(0, 0.02²) matrices, residual outputs scaled by
 * 1/√(2·nLayers) as GPT-2, LayerNorm gains 1).
 *
 * @example
 * const policy = createPolicy({ vocabSize: 14, maxLength: 10 }, createRng(0));
 * const y = policy.logits(tf.zeros([2, 6], "int32")); // [2, 6, 14]
 */
export function createPolicy(config: PolicyConfig, rng: Rng): Policy {
  const c = resolve(config);
  const d = c.dModel;
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * c.nLayers);
  // tf.variable copies its initial value; free the initialiser so only the variable remains.
  const variable = (init: tf.Tensor, name: string): tf.Variable => {
    const v = tf.variable(init, true, uniqueName(name));
    init.dispose();
    return v;
  };
  const normal = (shape: number[], s: number, name: string) => variable(tf.randomNormal(shape, 0, s, "float32", rng.tfSeed()), name);
  const zeros = (shape: number[], name: string) => variable(tf.zeros(shape), name);
  const ones = (shape: number[], name: string) => variable(tf.ones(shape), name);
  const tokEmb = normal([c.vocabSize, d], std, "tokEmb");
  const posEmb = normal([c.maxLength, d], std, "posEmb");
  const blocks: Block[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    blocks.push({
      ln1g: ones([d], `l${l}.ln1g`), ln1b: zeros([d], `l${l}.ln1b`),
      wqkv: normal([d, 3 * d], std, `l${l}.wqkv`),
      wo: normal([d, d], residualStd, `l${l}.wo`), bo: zeros([d], `l${l}.bo`),
      ln2g: ones([d], `l${l}.ln2g`), ln2b: zeros([d], `l${l}.ln2b`),
      w1: normal([d, c.ffMult * d], std, `l${l}.w1`), b1: zeros([c.ffMult * d], `l${l}.b1`),
      w2: normal([c.ffMult * d, d], residualStd, `l${l}.w2`), b2: zeros([d], `l${l}.b2`),
    });
  }
  const lnfg = ones([d], "lnfg");
  const lnfb = zeros([d], "lnfb");
  const wOut = normal([d, c.vocabSize], std, "wOut");
  const bOut = zeros([c.vocabSize], "bOut");
  const variables = [tokEmb, posEmb, ...blocks.flatMap((b) => Object.values(b) as tf.Variable[]), lnfg, lnfb, wOut, bOut];

  // the trunk over positions [start, start + T): with a cache, attention reads (and extends) it
  const trunk = (tokenIds: tf.Tensor2D, cache?: DecodeCache): tf.Tensor3D => {
    const [B, T] = tokenIds.shape;
    const start = cache?.len ?? 0;
    if (start + T > c.maxLength) throw new RLError("SHAPE_MISMATCH", `policy.hidden: sequence length ${start + T} exceeds maxLength ${c.maxLength}`);
    // attention scores are [B, T, H, T]: refuse a batch whose O(T²) scores would not fit (issue 19;
    // 12,000 tokens once ran the wasm heap out of bounds)
    if (B * c.nHeads * T * T > MAX_ATTENTION_ENTRIES) {
      throw new RLError("INVALID_INPUT", `policy.hidden: attention over ${T} tokens × batch ${B} needs ${B * c.nHeads * T * T} scores (max ${MAX_ATTENTION_ENTRIES}); use shorter sequences or smaller batches`);
    }
    return tf.tidy(() => {
      const oneHot = tf.oneHot(tf.cast(tokenIds, "int32"), c.vocabSize);
      let x = tf.add(linear(oneHot, tokEmb as tf.Tensor2D), tf.slice(posEmb, [start, 0], [T, d])) as tf.Tensor3D;
      blocks.forEach((blk, l) => {
        const h = layerNorm(x, blk.ln1g, blk.ln1b);
        const qkv = linear(h, blk.wqkv as tf.Tensor2D) as tf.Tensor3D;
        const att = cache === undefined ? causalAttention(qkv, c.nHeads) : cachedAttention(qkv, cache, l, c.nHeads, c.maxLength);
        x = tf.add(x, linear(att, blk.wo as tf.Tensor2D, blk.bo as tf.Tensor1D));
        const h2 = layerNorm(x, blk.ln2g, blk.ln2b);
        const ff = linear(tf.relu(linear(h2, blk.w1 as tf.Tensor2D, blk.b1 as tf.Tensor1D)), blk.w2 as tf.Tensor2D, blk.b2 as tf.Tensor1D);
        x = tf.add(x, ff);
      });
      if (cache !== undefined) cache.len += T;
      return layerNorm(x, lnfg, lnfb) as tf.Tensor3D;
    });
  };
  const hidden = (tokenIds: tf.Tensor2D): tf.Tensor3D => trunk(tokenIds);
  const readout = (h: tf.Tensor3D) => tf.tidy(() => linear(h, wOut as tf.Tensor2D, bOut as tf.Tensor1D) as tf.Tensor3D);
  // logits of the last of the new positions, [B, V]
  const decode = (tokenIds: tf.Tensor2D, cache: DecodeCache): { logits: tf.Tensor2D; cache: DecodeCache } => {
    const [B, T] = tokenIds.shape;
    const logits = tf.tidy(() => tf.reshape(readout(tf.slice(trunk(tokenIds, cache), [0, T - 1, 0], [B, 1, d]) as tf.Tensor3D), [B, c.vocabSize]) as tf.Tensor2D);
    return { logits, cache };
  };
  const decoder: CachedLogitsModel<DecodeCache> = {
    prefill: (tokenIds) => {
      const n = tokenIds.shape[0] * c.maxLength * d;
      return decode(tokenIds, { len: 0, k: blocks.map(() => new Float32Array(n)), v: blocks.map(() => new Float32Array(n)) });
    },
    step: (tokenIds, cache) => decode(tokenIds, cache),
  };
  return {
    config: c,
    variables,
    hidden,
    logits: (tokenIds) => tf.tidy(() => readout(hidden(tokenIds))),
    readout,
    decoder,
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

let nameCounter = 0;
function uniqueName(name: string): string {
  nameCounter += 1;
  return `demo.${name}.${nameCounter}`;
}

/** A copy of `policy` with its own variables holding the same values (for a frozen reference or a fresh run). */
export function clonePolicy(policy: Policy): Policy {
  const copy = createPolicy(policy.config, createRng(0));
  copy.variables.forEach((v, i) => v.assign(policy.variables[i] as tf.Variable));
  return copy;
}

/** Most attention-score entries (`B·H·T²`) one forward pass may allocate (2^26 float32 = 256 MB). */
const MAX_ATTENTION_ENTRIES = 2 ** 26;

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  });
}

/**
 * Causal multi-head self-attention over a fused `[B, T, 3d]` projection (q, k, v side by side),
 * one pass per (row, head) in plain JS with a hand-written backward:
 *
 *   s_ij = q_i·k_j / √dh (j ≤ i),  p_i = softmax(s_i),  o_i = Σ_j p_ij v_j
 *   ∂v_j = Σ_i p_ij ∂o_i,  g_ij = p_ij (∂o_i·v_j − Σ_j' p_ij' ∂o_i·v_j'),
 *   ∂q_i = Σ_j g_ij k_j / √dh,  ∂k_j = Σ_i g_ij q_i / √dh
 *
 * At the demo's sizes (T ≤ 10, dh = 12) the tfjs version (broadcast products and sums over
 * `[B, T, H, T, dh]`, their transposes, a mask add and a softmax, then all their gradients) was a
 * third of a GRPO step; this is a few ms (docs/core-decisions.md, "The demo's GRPO step"). The
 * scores and sums run in double precision; masked positions get probability exactly 0, as the
 * −1e9 mask gave. Any backend (it reads `qkv` back once and uploads the result).
 *
 * @example
 * causalAttention(tf.ones([2, 5, 24]), 2).shape; // [2, 5, 8]
 */
export function causalAttention(qkv: tf.Tensor3D, H: number): tf.Tensor3D {
  return attentionOp(H)(qkv);
}

const attentionOps = new Map<number, (qkv: tf.Tensor3D) => tf.Tensor3D>();
function attentionOp(H: number): (qkv: tf.Tensor3D) => tf.Tensor3D {
  let op = attentionOps.get(H);
  if (op === undefined) {
    op = tf.customGrad(((qkv: tf.Tensor3D) => {
      const [B, T, D3] = qkv.shape;
      const x = qkv.dataSync() as Float32Array;
      const { out, p } = attentionForward(x, B, T, D3, H);
      return {
        value: tf.tensor3d(out, [B, T, D3 / 3]),
        gradFunc: (dy: tf.Tensor3D) => tf.tensor3d(attentionBackward(x, p, dy.dataSync() as Float32Array, B, T, D3, H), [B, T, D3]),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (qkv: tf.Tensor3D) => tf.Tensor3D;
    attentionOps.set(H, op);
  }
  return op;
}

// One query row against n keys / values (k_j at kOff + j·stride, v_j at vOff + j·stride):
// p = softmax(q·k_j · scale) into probs[pOff…], o = Σ_j p_j v_j into out[oOff…]
function attendRow(
  q: Float32Array, qOff: number, k: Float32Array, kOff: number, v: Float32Array, vOff: number, stride: number,
  n: number, dh: number, scale: number, probs: Float64Array, pOff: number, acc: Float64Array, out: Float32Array, oOff: number,
): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) {
    const kj = kOff + j * stride;
    let s = 0;
    for (let e = 0; e < dh; e++) s += (q[qOff + e] as number) * (k[kj + e] as number);
    s *= scale;
    probs[pOff + j] = s;
    if (s > max) max = s;
  }
  let z = 0;
  for (let j = 0; j < n; j++) {
    const w = Math.exp((probs[pOff + j] as number) - max);
    probs[pOff + j] = w;
    z += w;
  }
  acc.fill(0);
  for (let j = 0; j < n; j++) {
    const w = (probs[pOff + j] as number) / z;
    probs[pOff + j] = w;
    const vj = vOff + j * stride;
    for (let e = 0; e < dh; e++) acc[e] = (acc[e] as number) + w * (v[vj + e] as number);
  }
  for (let e = 0; e < dh; e++) out[oOff + e] = acc[e] as number;
}

function attentionForward(x: Float32Array, B: number, T: number, D3: number, H: number): { out: Float32Array; p: Float64Array } {
  const d = D3 / 3;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  const out = new Float32Array(B * T * d);
  const p = new Float64Array(B * H * T * T);
  const acc = new Float64Array(dh);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const k0 = b * T * D3 + d + h * dh;
        attendRow(x, (b * T + i) * D3 + h * dh, x, k0, x, k0 + d, D3, i + 1, dh, scale, p, ((b * H + h) * T + i) * T, acc, out, (b * T + i) * d + h * dh);
      }
    }
  }
  return { out, p };
}

// The decoder's attention: appends the new positions' keys and values (qkv [B, T, 3d]) to layer l
// of the cache, then attends each new position to every cached one up to itself.
function cachedAttention(qkv: tf.Tensor3D, cache: DecodeCache, l: number, H: number, maxLength: number): tf.Tensor3D {
  const [B, T, D3] = qkv.shape;
  const x = qkv.dataSync() as Float32Array;
  const d = D3 / 3;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  const K = cache.k[l] as Float32Array;
  const Vc = cache.v[l] as Float32Array;
  const start = cache.len;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T; i++) {
      const src = (b * T + i) * D3;
      const dst = (b * maxLength + start + i) * d;
      K.set(x.subarray(src + d, src + 2 * d), dst);
      Vc.set(x.subarray(src + 2 * d, src + 3 * d), dst);
    }
  }
  const out = new Float32Array(B * T * d);
  const probs = new Float64Array(start + T);
  const acc = new Float64Array(dh);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const k0 = b * maxLength * d + h * dh;
      for (let i = 0; i < T; i++) {
        attendRow(x, (b * T + i) * D3 + h * dh, K, k0, Vc, k0, d, start + i + 1, dh, scale, probs, 0, acc, out, (b * T + i) * d + h * dh);
      }
    }
  }
  return tf.tensor3d(out, [B, T, d]);
}

function attentionBackward(x: Float32Array, p: Float64Array, dy: Float32Array, B: number, T: number, D3: number, H: number): Float32Array {
  const d = D3 / 3;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  // one row block's gradient at a time (a row only reaches its own positions), in double precision
  const out = new Float32Array(B * T * D3);
  const g = new Float64Array(T * D3);
  const dp = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    const base = b * T * D3;
    g.fill(0);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const o = (b * T + i) * d + h * dh;
        const row = ((b * H + h) * T + i) * T;
        let c = 0;
        for (let j = 0; j <= i; j++) {
          const v = j * D3 + 2 * d + h * dh;
          const w = p[row + j] as number;
          let s = 0;
          for (let e = 0; e < dh; e++) {
            const u = dy[o + e] as number;
            s += u * (x[base + v + e] as number);
            g[v + e] = (g[v + e] as number) + w * u;
          }
          dp[j] = s;
          c += w * s;
        }
        const q = i * D3 + h * dh;
        for (let j = 0; j <= i; j++) {
          const gs = (p[row + j] as number) * ((dp[j] as number) - c) * scale;
          const k = j * D3 + d + h * dh;
          for (let e = 0; e < dh; e++) {
            g[q + e] = (g[q + e] as number) + gs * (x[base + k + e] as number);
            g[k + e] = (g[k + e] as number) + gs * (x[base + q + e] as number);
          }
        }
      }
    }
    out.set(g, base);
  }
  return out;
}

/**
 * The task's token conventions for core's `generate`: a response ends at EOS (kept, mask 1) and
 * is padded with PAD. Usage: `generate(policy.decoder, prompts, { ...taskDecoding, maxNewTokens, rng })`.
 */
export const taskDecoding: { stopTokenIds: number[]; padTokenId: number } = { stopTokenIds: [EOS], padTokenId: PAD };

/**
 * Per-token log-probs `[B, L]` of given responses under the policy (teacher forcing), differentiable
 * w.r.t. the policy's variables. Masked positions hold finite log-probs of PAD; multiply by the mask.
 *
 *   lp[b, t] = log softmax(z / τ)[response[b, t]],  z = logits(prompt ++ response)[P − 1 + t]
 *
 * @example
 * const lp = responseLogProbs(policy, prompts, g.tokens); // tf.Tensor2D [B, L]
 */
export function responseLogProbs(
  policy: Policy,
  prompts: readonly (readonly number[])[],
  responses: readonly (readonly number[])[],
  temperature = 1,
): tf.Tensor2D {
  const B = prompts.length;
  const P = prompts[0]?.length ?? 0;
  const L = responses[0]?.length ?? 0;
  if (responses.length !== B) throw new RLError("SHAPE_MISMATCH", `responseLogProbs: ${B} prompts, ${responses.length} responses`);
  if (prompts.some((p) => p.length !== P) || responses.some((r) => r.length !== L)) {
    throw new RLError("SHAPE_MISMATCH", "responseLogProbs: prompts (and responses) must share one length; pad responses with PAD");
  }
  return tf.tidy(() => {
    const input = prompts.map((p, i) => [...p, ...(responses[i] as number[])].slice(0, P + L - 1));
    const logits = policy.logits(tf.tensor2d(input, [B, P + L - 1], "int32"));
    const V = policy.config.vocabSize;
    const answerLogits = tf.slice(logits, [0, P - 1, 0], [B, L, V]);
    return gatherLogProbs(answerLogits, tf.tensor2d(responses.map((r) => [...r]), [B, L], "int32"), { temperature }) as tf.Tensor2D;
  });
}

/** Pads ragged id rows with PAD to one length (at least `minLength`); the mask marks real tokens. */
export function padResponses(rows: readonly (readonly number[])[], minLength = 1): { tokens: number[][]; mask: number[][] } {
  const L = Math.max(minLength, ...rows.map((r) => r.length));
  return {
    tokens: rows.map((r) => [...r, ...new Array<number>(L - r.length).fill(PAD)]),
    mask: rows.map((r) => [...new Array<number>(r.length).fill(1), ...new Array<number>(L - r.length).fill(0)]),
  };
}
