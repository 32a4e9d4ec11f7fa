import { createRng, generate, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { causalAttention, createPolicy, taskDecoding } from "../src/demo/policy.js";
import { VOCAB_SIZE } from "../src/demo/task.js";

// the composite tfjs attention the demo used before (broadcast products, a -1e9 causal mask)
function reference(qkv: tf.Tensor3D, H: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T, D3] = qkv.shape;
    const d = D3 / 3;
    const dh = d / H;
    const causal = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);
    const heads = (k: number) => tf.transpose(tf.reshape(tf.slice(qkv, [0, 0, k * d], [B, T, d]), [B, T, H, dh]), [0, 2, 1, 3]);
    const q = tf.reshape(tf.slice(qkv, [0, 0, 0], [B, T, d]), [B, T, H, 1, dh]);
    const k = tf.reshape(heads(1), [B, 1, H, T, dh]);
    const v = tf.reshape(heads(2), [B, 1, H, T, dh]);
    const scores = tf.add(tf.mul(tf.sum(tf.mul(q, k), -1), 1 / Math.sqrt(dh)), tf.reshape(causal, [1, T, 1, T]));
    const att = tf.softmax(scores, -1);
    return tf.reshape(tf.sum(tf.mul(tf.reshape(att, [B, T, H, T, 1]), v), 3), [B, T, d]) as tf.Tensor3D;
  });
}

const randn = (shape: number[], seed: number, s = 1): tf.Tensor => {
  const rng = createRng(seed);
  return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, s)), shape);
};

describe("causalAttention (the demo's fused attention)", () => {
  it("equals the composite tfjs attention in value and gradient (T = 1 and T = 7, 1 and 3 heads)", async () => {
    await expectNoTensorLeak(() => {
      for (const [B, T, d, H] of [[2, 7, 12, 3], [3, 1, 4, 1], [1, 5, 8, 1]] as const) {
        const qkv = randn([B, T, 3 * d], B + T, 1.5) as tf.Tensor3D;
        const up = randn([B, T, d], 9);
        const y = causalAttention(qkv, H);
        const yRef = reference(qkv, H);
        expect(y.shape).toEqual([B, T, d]);
        assertClose(Array.from(y.dataSync()), Array.from(yRef.dataSync()), 1e-5, 1e-5);
        const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(causalAttention(x as tf.Tensor3D, H), up)))(qkv);
        const gRef = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(reference(x as tf.Tensor3D, H), up)))(qkv);
        assertClose(Array.from(g.dataSync()), Array.from(gRef.dataSync()), 1e-4, 1e-4);
        tf.dispose([qkv, up, y, yRef, g, gRef]);
      }
    });
  });

  it("matches finite differences", () => {
    const qkv = randn([2, 4, 12], 3);
    const up = randn([2, 4, 4], 4);
    checkGradient((x) => tf.sum(tf.mul(causalAttention(x as tf.Tensor3D, 2), up)), qkv);
    tf.dispose([qkv, up]);
  });
});

describe("policy.decoder (KV cache for generate)", () => {
  it("gives the full forward's logits at each position, and the same greedy and sampled tokens", () => {
    const policy = createPolicy({ vocabSize: VOCAB_SIZE, maxLength: 10, dModel: 16, nHeads: 2, nLayers: 2 }, createRng(1));
    const before = tf.memory().numTensors;
    const ids = [[2, 3, 12, 4, 5, 13, 7, 1], [2, 3, 12, 4, 9, 13, 0, 11]];
    const idsT = tf.tensor2d(ids, undefined, "int32");
    const fullT = policy.logits(idsT);
    const full = fullT.arraySync();
    tf.dispose([idsT, fullT]);
    const prompt = tf.tensor2d(ids.map((r) => r.slice(0, 6)), undefined, "int32");
    const pre = policy.decoder.prefill(prompt);
    prompt.dispose();
    let cache = pre.cache;
    const got = [pre.logits.arraySync()];
    pre.logits.dispose();
    for (let t = 6; t < 8; t++) {
      const ids1 = tf.tensor2d(ids.map((r) => [r[t] as number]), [2, 1], "int32");
      const s = policy.decoder.step(ids1, cache);
      cache = s.cache;
      got.push(s.logits.arraySync());
      tf.dispose([ids1, s.logits]);
    }
    got.forEach((rows, s) => rows.forEach((row, b) => assertClose(row, full[b]?.[5 + s], 1e-5, 1e-5)));
    const prompts = ids.map((r) => r.slice(0, 6));
    expect(generate(policy.decoder, prompts, { ...taskDecoding, maxNewTokens: 4, greedy: true })).toEqual(generate(policy.logits, prompts, { ...taskDecoding, maxNewTokens: 4, greedy: true }));
    expect(generate(policy.decoder, prompts, { ...taskDecoding, maxNewTokens: 4, rng: createRng(5) }).tokenIds).toEqual(generate(policy.logits, prompts, { ...taskDecoding, maxNewTokens: 4, rng: createRng(5) }).tokenIds);
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
  });
});
