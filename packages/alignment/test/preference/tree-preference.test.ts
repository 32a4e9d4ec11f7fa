import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { treePreferenceLoss } from "../../src/index.js";
import { treeStepLogRatios, treeStepRewards, treeStepWeights } from "../../src/preference/tree-preference.js";
import { read, scoped } from "./helpers.js";

const run = (s: number[][], psi: number[][], cfg = {}) =>
  scoped(() => {
    const o = treePreferenceLoss({ rewards: tf.tensor2d(s), scores: psi }, cfg);
    return { loss: read(o.loss)[0] as number, losses: read(o.losses), metrics: o.metrics };
  });

describe("treePreferenceLoss (LiPO-λ form, spec §14)", () => {
  it("spec worked example E11: λ-weighted, natural-log discount, unweighted", () => {
    const s = [[0.1, 0.3, -0.2]];
    const psi = [[3, 2, 0]];
    assertClose(run(s, psi).loss, 2.397464, 1e-5, 1e-5);
    assertClose(run(s, psi, { discountBase: Math.E }).loss, 3.458809, 1e-5, 1e-5);
    assertClose(run(s, psi, { weighting: "none" }).loss, 0.608857, 1e-5, 1e-5);
    const m = run(s, psi).metrics;
    expect(m["rewards/best"]).toBeCloseTo(0.1, 6);
    expect(m["rewards/worst"]).toBeCloseTo(-0.2, 6);
    expect(m["ranking/pairAccuracy"]).toBeCloseTo(2 / 3, 6);
    expect(m["ranking/ndcg"]).toBeLessThan(1);
  });

  it("ties in ψ contribute nothing; a list with N = 2 and weighting none is DPO-BT", () => {
    assertClose(run([[0.4, -0.5]], [[1, 1]]).loss, 0, 1e-9, 0);
    assertClose(run([[0.4, -0.5]], [[2, 1]], { weighting: "none" }).loss, Math.log1p(Math.exp(-0.9)), 1e-6, 1e-6);
  });

  it("property: invariant to adding a constant to every reward of a list; ndcg = 1 for a perfect ranking", () => {
    fc.assert(
      // ranks (and so the λ weights) jump at ties of s: draw distinct rewards (≥ 0.01 apart)
      fc.property(fc.uniqueArray(fc.integer({ min: -300, max: 300 }), { minLength: 3, maxLength: 3 }).map((xs) => xs.map((x) => x / 100)), fc.double({ min: -5, max: 5, noNaN: true }), (s, c) => {
        const psi = [[2, 1, 0]];
        assertClose(run([s.map((x) => x + c)], psi).loss, run([s], psi).loss, 1e-3, 1e-3);
      }),
      { numRuns: 40 },
    );
    expect(run([[3, 2, 1]], [[2, 1, 0]]).metrics["ranking/ndcg"]).toBeCloseTo(1, 6);
  });

  it("gradient checks (λ weights are constants) and no leaks", async () => {
    scoped(() => {
      for (const weighting of ["lambda", "none"] as const) {
        checkGradient((x) => treePreferenceLoss({ rewards: x, scores: [[3, 2, 0], [0, 1, 2]] }, { weighting }).loss, tf.tensor2d([[0.1, 0.35, -0.2], [0.5, 0.2, -0.4]]));
      }
    });
    const r = tf.tensor2d([[0.1, 0.3, -0.2]]);
    await expectNoTensorLeak(() => treePreferenceLoss({ rewards: r, scores: [[3, 2, 0]] }));
    r.dispose();
  });

  it("bad input", () => {
    scoped(() => {
      expect(() => treePreferenceLoss({ rewards: tf.tensor2d([[0.1]]), scores: [[1]] })).toThrow(/at least 2/);
      expect(() => treePreferenceLoss({ rewards: tf.tensor2d([[0.1, 0]]), scores: [[100, 1]] })).toThrow(/overflow/);
      expect(() => treePreferenceLoss({ rewards: tf.tensor2d([[0.1, 0, 1]]), scores: [[1, 0]] })).toThrow(/shape/);
      expect(() => treePreferenceLoss({ rewards: tf.tensor2d([[NaN, 0]]), scores: [[1, 0]] })).toThrow(/NaN/);
    });
  });
});

describe("treeStepLogRatios and treeStepRewards", () => {
  it("step means of token log-ratios; weighted implicit reward (spec: m = [0.4, −0.2], w = [2, 1.2] ⇒ 0.175β)", () => {
    scoped(() => {
      const m = treeStepLogRatios(tf.tensor2d([[-1, -2, -3, -9]]), tf.tensor2d([[-1.5, -2, -3.5, 0]]), tf.tensor2d([[1, 1, 2, 0]], undefined, "int32"), 3);
      assertClose(read(m), [0.25, 0.5, 0], 1e-6, 1e-6);
      assertClose(read(treeStepRewards(tf.tensor1d([0.4, -0.2]), tf.tensor1d([2, 1.2]), { beta: 0.5 })), [0.5 * 0.175], 1e-6, 1e-6);
      assertClose(read(treeStepRewards(tf.tensor2d([[0.4, -0.2]]), tf.zeros([1, 2]))), [0], 0, 0);
      checkGradient((x) => tf.sum(treeStepRewards(treeStepLogRatios(x, tf.zeros([1, 4]), tf.tensor2d([[1, 1, 2, 0]], undefined, "int32"), 2), tf.tensor2d([[2, 1.2]]))), tf.tensor2d([[-1, -2, -3, -9]]));
      expect(() => treeStepLogRatios(tf.zeros([1, 2]), tf.zeros([1, 2]), tf.tensor2d([[0, 3]]), 2)).toThrow(/stepIds/);
      expect(() => treeStepRewards(tf.zeros([2]), tf.tensor1d([1, -1]))).toThrow(/stepWeights/);
    });
  });

  it("leave no tensors behind", async () => {
    const lp = tf.tensor2d([[-1, -2, -3, -9]]);
    const ref = tf.zeros([1, 4]);
    const ids = tf.tensor2d([[1, 1, 2, 0]], undefined, "int32");
    const w = tf.tensor2d([[2, 1.2]]);
    await expectNoTensorLeak(() => treeStepLogRatios(lp, ref, ids, 2));
    const m = treeStepLogRatios(lp, ref, ids, 2);
    await expectNoTensorLeak(() => treeStepRewards(m, w));
    [lp, ref, ids, w, m].forEach((t) => t.dispose());
  });
});

// Fixtures: MrBlankness/TPO @ ba87a23c loss.py (compute_step_weights, compute_weighted_logits,
// lambda_rank_loss copied verbatim), rerun in PyTorch 1.13 float64 (script in docs/alignment/tpo.md).
describe("TPO against the official code (weighting: reference, treeStepWeights)", () => {
  it("lambda_rank_loss: spec E11 and a two-list batch with ties, values and gradient", () => {
    assertClose(run([[0.1, 0.3, -0.2]], [[3, 2, 0]], { weighting: "reference" }).loss, 0.9554306229567144, 1e-6, 1e-6);
    const s = [[0.1, 0.3, -0.2, 0.05], [0.5, -0.4, 0.2, 0.2]];
    const psi = [[3, 2, 0, 2], [1, 1, 0, 2]];
    const o = run(s, psi, { weighting: "reference" });
    assertClose(o.loss, 0.9005572349792332, 1e-6, 1e-6);
    assertClose(o.losses, [0.858401951267032, 0.9427125186914344], 1e-6, 1e-6);
    scoped(() => {
      const x = tf.tensor2d(s);
      const g = tf.grad((r: tf.Tensor) => treePreferenceLoss({ rewards: r, scores: psi }, { weighting: "reference" }).loss)(x);
      assertClose(read(g), [-0.12190784033471738, 0.014357777376194376, 0.10341013759172402, 0.004139925366798983, 0.012407086135276489, -0.024276051037632584, 0.13093448245117803, -0.11906551754882194], 1e-6, 1e-6);
      checkGradient((r) => treePreferenceLoss({ rewards: r, scores: psi }, { weighting: "reference" }).loss, x);
    });
  });
  it("raw judge scores (±100) are accepted: the reference form uses only their signs", () => {
    assertClose(run([[0.1, 0.3, -0.2]], [[100, 40, -60]], { weighting: "reference" }).loss, 0.9554306229567144, 1e-6, 1e-6);
  });
  it("end to end: step weights, step-weighted rewards and the rank loss as the official pipeline", () => {
    // hidden states torch.manual_seed(0); torch.randn(1, 3, 6, 4)
    const hs = [
      [[-2.310411800234176, -0.3732508612577643, -1.0608166785462863, 0.9995093547811761], [-0.8840250045832653, -1.2755469302148053, -0.623224579866079, -0.8664416019125772], [-1.2956271403277857, 1.52363162310635, 0.3236605664983738, 2.0177260314861085], [1.1357423400213507, -1.226881339001083, 0.07138847120511693, 0.3380174030507378], [0.15351883531544036, -0.6332746088675096, -1.2609246557194385, -0.726951062065411], [-0.019964750907762653, 0.2102998901016947, 0.17718935139366584, -0.830510051008449]],
      [[1.0111892074660187, -0.2426793824588577, -0.7730112772958181, -1.5951814880783068], [-0.6870036940435463, 1.4880743158106724, -0.4484158047114511, -0.8910030351707375], [-0.09174174090816388, 0.5563227724483105, -0.009446277892507904, -1.21768777910687], [-1.2654653080284903, -1.1195351830271254, 1.1664857205254855, 0.9262324572968778], [0.6539244967350809, 0.14821544548810084, -1.1461092231976013, 1.8727763768553416], [-0.30991497424174674, 0.24018023403782535, -1.3487610270963772, 0.2443990933828689]],
      [[-3.1452962731231335, -0.11373127757597257, 1.6962024805143952, -0.6652034805381666], [-0.587222598359879, 2.832104167511146, 0.9039973689601122, 0.947836532432321], [0.1310043158655339, -1.3573113137879664, -0.10838763128289962, 0.31513023689422354], [-0.5225708759493426, -0.5919985649213804, -0.8913456059944439, -0.4465437323135269], [1.0134077354194326, 0.8542078805744913, 0.10964498670108681, 0.7026474746204678], [0.3808407948449979, -0.06602759867830545, -0.7565746668125718, 0.3686731185757601]],
    ];
    const steps = [[1, 1, 2, 2, 2, 0], [1, 2, 2, 0, 0, 0], [1, 1, 1, 2, 0, 0]];
    const lp = [[-1, -2, -0.5, -1.5, -0.7, -3], [-0.4, -1.1, -2.2, -5, -5, -5], [-0.9, -1.3, -0.2, -2.5, -7, -7]];
    const ref = [[-1.2, -1.8, -0.9, -1.5, -0.5, -1], [-0.6, -1.0, -2.0, -1, -1, -1], [-0.5, -1.6, -0.4, -2.0, -1, -1]];
    scoped(() => {
      const ids = tf.tensor2d(steps, undefined, "int32");
      const w = treeStepWeights(tf.tensor3d(hs), ids, 2);
      assertClose(read(w), [2, 2, 0.7867757770804227, 0.3541645493143901, 1.280016186838671, 1.1035825903804652], 1e-5, 1e-5);
      const m = treeStepLogRatios(tf.tensor2d(lp), tf.tensor2d(ref), ids, 2);
      const sr = treeStepRewards(m, w, { beta: 1 });
      assertClose(read(sr), [0.03333333333333335, 0.09135488562164981, -0.21359470974232278], 1e-5, 1e-5);
      const o = treePreferenceLoss({ rewards: tf.reshape(sr, [1, 3]), scores: [[100, 40, -60]] }, { weighting: "reference" });
      assertClose(read(o.loss)[0], 0.9639456460800181, 1e-5, 1e-5);
    });
  });
  it("treeStepWeights: a step missing in response 0 or in n gives 0; bad input; no leaks", async () => {
    scoped(() => {
      const w = treeStepWeights(tf.tensor3d([[[1, 0], [0, 1]], [[1, 0], [1, 1]]]), tf.tensor2d([[1, 2], [1, 2]]), 2);
      assertClose(read(w), [2, 2, 2, 1 + Math.SQRT1_2], 1e-6, 1e-6);
      const w3 = treeStepWeights(tf.tensor3d([[[1, 0], [0, 1]], [[1, 0], [1, 1]]]), tf.tensor2d([[1, 1], [1, 2]]), 2);
      assertClose(read(w3), [2, 0, 1 + Math.SQRT1_2, 0], 1e-6, 1e-6); // response 0 has no step 2
      expect(() => treeStepWeights(tf.tensor2d([[1]]), tf.tensor1d([1]), 1)).toThrow(/treeStepWeights/);
      expect(() => treeStepWeights(tf.tensor3d([[[1]]]), tf.tensor2d([[3]]), 2)).toThrow(/stepIds/);
      expect(() => treeStepWeights(tf.tensor3d([[[1]]]), tf.tensor2d([[1]]), 0)).toThrow(/numSteps/);
    });
    const h = tf.tensor3d([[[1, 0]], [[0, 1]]]);
    const ids = tf.tensor2d([[1], [1]]);
    await expectNoTensorLeak(() => treeStepWeights(h, ids, 1));
    h.dispose();
    ids.dispose();
  });
});
