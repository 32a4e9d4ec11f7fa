// Regression tests for issue 19 (bad input never corrupts): every case here once returned NaN,
// leaked, or threw something other than an RLError.
import { createRng, tf } from "@rl/core";
import { describe, expect, it } from "vitest";
import { expectRLError } from "@rl/core/testing";
import {
  adamW,
  adaptiveEntropyController,
  betaDpoController,
  cpoLoss,
  dpoLoss,
  entropyBonus,
  klPenalty,
  pairedSequenceLogProbs,
  pairwiseMetrics,
  valueLoss,
  ppoPolicyLoss,
  precomputeRefLogProbs,
  trainStep,
  type TrainBatch,
} from "../../src/index.js";
import { vespoWeights } from "../../src/policy/vespo-loss.js";
import { bcoRewardShift } from "../../src/preference/bco-reward-shift.js";
import { treeStepLogRatios, treeStepRewards } from "../../src/preference/tree-preference.js";
import { tinyModel } from "../training/tiny-model.js";
import * as alignmentRoot from "../../src/index.js";

// every public function: the root and the building-block namespaces (issue 16)
const a = { ...alignmentRoot.policyBlocks, ...alignmentRoot.preferenceBlocks, ...alignmentRoot };


describe("defect 1: optimizer state is validated before any weight is touched", () => {
  it.each([undefined, -1, NaN, 1.5, "3", Infinity])("adamW rejects state.step %s and leaves p unchanged", (step) => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const g = tf.tensor1d([0.5, 0.5]);
    const opt = adamW([p]);
    const state = opt.init();
    expectRLError(() => opt.update({ grads: [g] }, { ...state, step: step as number }), /state\.step/);
    expect(Array.from(p.dataSync())).toEqual([1, 2]);
    opt.dispose(state);
    tf.dispose([p, g]);
  });

  it("adamW rejects missing moments, non-tensor grads and non-variable params", () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const opt = adamW([p]);
    const state = opt.init();
    expectRLError(() => opt.update({ grads: [tf.tensor1d([1, 1])] }, { step: 0, m: [], v: [] }), /state\.m/);
    expectRLError(() => opt.update({ grads: [[1, 2] as unknown as tf.Tensor] }, state), /grads\[0\]/);
    expectRLError(() => opt.update(undefined as never, state));
    expectRLError(() => adamW([tf.tensor1d([1]) as unknown as tf.Variable]), /tf\.Variable/);
    const before = tf.memory().numTensors;
    expectRLError(() => adamW([p, null as unknown as tf.Variable]), /params\[1\]/);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose(state);
    p.dispose();
  });

  it("an adamW state that went through JSON keeps its step but is refused (RLError, weights untouched)", () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const g = tf.tensor1d([0.5, 0.5]);
    const opt = adamW([p]);
    let state = opt.init();
    ({ state } = opt.update({ grads: [g] }, state));
    const before = Array.from(p.dataSync());
    const copy = JSON.parse(JSON.stringify(state));
    expect(copy.step).toBe(1);
    const tensorsBefore = tf.memory().numTensors;
    expectRLError(() => opt.update({ grads: [g] }, copy), /state\.m\[0\]/);
    expectRLError(() => opt.update({ grads: [g] }, { ...state, m: state.m.map((x) => x.clone()) }), /tf\.Variable/);
    expect(tf.memory().numTensors).toBe(tensorsBefore + 1); // the clone made above
    expect(Array.from(p.dataSync())).toEqual(before);
    expect(before.every(Number.isFinite)).toBe(true);
    opt.dispose(state);
    tf.dispose([p, g]);
  });

  it("trainStep rejects a NaN step before the forward pass and leaves the model finite", () => {
    const { model, variables } = tinyModel(5, 3);
    const batch: TrainBatch = { tokenIds: tf.tensor2d([[0, 1, 2]], undefined, "int32"), lossMask: tf.tensor2d([[0, 1, 1]]) };
    const opt = adamW(variables);
    const state = opt.init();
    const loss = (lp: tf.Tensor2D, _b: TrainBatch, { mask }: { mask: tf.Tensor2D }) =>
      ppoPolicyLoss({ logProbs: lp, advantages: tf.onesLike(lp), mask });
    const before = tf.memory().numTensors;
    for (const step of [NaN, -1, "3", undefined]) {
      expectRLError(() => trainStep(model, batch, loss, opt, { ...state, step: step as number }), /state\.step/);
    }
    expectRLError(() => trainStep(model, { ...batch, lossMask: tf.tensor2d([[0, 2, 1]]) }, loss, opt, state), /lossMask/);
    expect(tf.memory().numTensors).toBe(before + 1); // the rejected lossMask tensor above
    for (const v of variables) expect(Array.from(v.dataSync()).every(Number.isFinite)).toBe(true);
    opt.dispose(state);
    tf.dispose([batch.tokenIds, batch.lossMask, ...variables]);
  });
});

describe("defect 4: vespoWeights checks the advantages' shape and frees its intermediates", () => {
  it("[B] advantages → SHAPE_MISMATCH, not a [B, B] outer product", () => {
    const lp = tf.zeros([2, 3]);
    const mask = tf.ones([2, 3]);
    const adv = tf.ones([2]);
    const shape = { kPos: 2, lambdaPos: 3, kNeg: 3, lambdaNeg: 2 };
    expect(expectRLError(() => vespoWeights(lp, lp, adv, mask, shape)).code).toBe("SHAPE_MISMATCH");
    const adv2 = tf.ones([2, 1]);
    const before = tf.memory().numTensors;
    const w = vespoWeights(lp, lp, adv2, mask, shape);
    expect(w.shape).toEqual([2, 1]);
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([lp, mask, adv, adv2]);
  });
});

describe("defect 5: stateful helpers reject malformed state", () => {
  it("betaDpoController, bcoRewardShift, adaptiveEntropyController", () => {
    const beta = betaDpoController();
    expectRLError(() => beta.update({ gaps: [1, 2], rng: createRng(0) }, { gapMean: 0 } as never), /state\.gapStd/);
    expectRLError(() => beta.update(undefined as never, beta.init()));
    const bco = bcoRewardShift();
    expectRLError(() => bco.update({ chosenRewards: [1], rejectedRewards: [0] }, { mean: 0 } as never), /state\.count/);
    expectRLError(() => bco.update({ chosenRewards: [1] } as never, bco.init()), /rejectedRewards/);
    const ent = adaptiveEntropyController();
    expectRLError(() => ent.update({ entropy: 0.1 }, {} as never), /state\.coef/);
  });

  it("every state survives a JSON round trip", () => {
    const beta = betaDpoController();
    let s = beta.update({ gaps: [1, 2, 3], rng: createRng(0) }, beta.init()).state;
    s = JSON.parse(JSON.stringify(s));
    expect(Number.isFinite(beta.update({ gaps: [1, 2], rng: createRng(1) }, s).output.beta)).toBe(true);
    const bco = bcoRewardShift();
    const b = JSON.parse(JSON.stringify(bco.update({ chosenRewards: [1], rejectedRewards: [0] }, bco.init()).state));
    expect(bco.update({ chosenRewards: [1], rejectedRewards: [0] }, b).output).toBeCloseTo(0.5);
    const ent = adaptiveEntropyController();
    const e = JSON.parse(JSON.stringify(ent.init()));
    expect(Number.isFinite(ent.update({ entropy: 0.1 }, e).output.coef)).toBe(true);
  });
});

describe("defect 6: cpoLoss alphaPo underflow", () => {
  it("alphaPo 1e-300 → INVALID_CONFIG (was NaN)", () => {
    const c = tf.tensor1d([-10, -20]);
    const r = tf.tensor1d([-12, -18]);
    expect(expectRLError(() => cpoLoss({ policyChosen: c, policyRejected: r, chosenNll: 0.5 }, { alphaPo: 1e-300 })).code).toBe("INVALID_CONFIG");
    tf.dispose([c, r]);
  });
});

describe("defect 11: bool / int tensors are refused at the boundary (no wasm abort)", () => {
  it("policy losses, klPenalty, valueLoss, entropyBonus, dpoLoss: RLError naming the dtype; dpoLoss still works after", () => {
    const lp = tf.zeros([2, 3]);
    const mask = tf.ones([2, 3]);
    const bool = tf.ones([2, 3], "bool");
    const int = tf.zeros([2, 3], "int32");
    const adv = tf.ones([2]);
    expectRLError(() => ppoPolicyLoss({ logProbs: bool, advantages: adv, mask }), /logProbs must be float32, got bool/);
    expectRLError(() => ppoPolicyLoss({ logProbs: int, advantages: adv, mask }), /logProbs must be float32, got int32/);
    expectRLError(() => ppoPolicyLoss({ logProbs: lp, advantages: adv, mask: bool }), /mask must be float32/);
    expectRLError(() => klPenalty(bool, lp, mask), /logProbs must be float32/);
    expectRLError(() => valueLoss({ values: lp, oldValues: lp, returns: bool, mask }), /returns must be float32/);
    expectRLError(() => entropyBonus(tf.ones([2, 3, 4], "bool"), mask), /logits must be float32/);
    const c = tf.tensor1d([-1, -2]);
    const b1 = tf.ones([2], "bool");
    expectRLError(() => dpoLoss({ policyChosen: b1, policyRejected: c, refChosen: c, refRejected: c }), /policyChosen must be float32/);
    const out = dpoLoss({ policyChosen: c, policyRejected: c, refChosen: c, refRejected: c });
    expect(Number.isFinite(out.loss.dataSync()[0])).toBe(true);
    tf.dispose([lp, mask, bool, int, adv, c, b1, out.loss, out.losses, out.chosenRewards, out.rejectedRewards]);
  });
  it("non-tensors and disposed tensors → RLError", () => {
    const mask = tf.ones([1, 2]);
    const gone = tf.zeros([1, 2]);
    gone.dispose();
    expectRLError(() => ppoPolicyLoss({ logProbs: [[0, 0]] as never, advantages: tf.ones([1]), mask }), /must be a tf\.Tensor/);
    expectRLError(() => ppoPolicyLoss({ logProbs: gone, advantages: tf.ones([1]), mask }), /disposed/);
    expectRLError(() => ppoPolicyLoss(undefined as never));
    mask.dispose();
  });
});

describe("defect 18 / 19: other silent NaN and plain errors", () => {
  it("pairedSequenceLogProbs with a NaN mask → RLError", () => {
    const lp = tf.zeros([2, 2]);
    const m = tf.tensor2d([[1, NaN], [1, 1]]);
    expectRLError(() => pairedSequenceLogProbs(lp, m), /mask/);
    tf.dispose([lp, m]);
  });
  it("pairwiseMetrics(\"str\", …) → RLError", () => {
    const t = tf.tensor1d([1, 2, 3]);
    expectRLError(() => pairwiseMetrics("str" as never, t, t, t), /chosenRewards must be a tf\.Tensor/);
    t.dispose();
  });
  it("treeStepLogRatios(…, 1e308) → RLError (was RangeError)", () => {
    const lp = tf.zeros([1, 3]);
    const ids = tf.tensor2d([[1, 1, 2]]);
    expectRLError(() => treeStepLogRatios(lp, lp, ids, 1e308), /numSteps/);
    expectRLError(() => treeStepLogRatios(lp, lp, ids, 2 ** 40), /numSteps/);
    tf.dispose([lp, ids]);
  });
});

describe("defect 13: precomputeRefLogProbs frees the finished batches when a later one fails", () => {
  it("a list whose second batch is bad leaks nothing", () => {
    const { model, variables } = tinyModel(5, 3);
    const good = { tokenIds: tf.tensor2d([[0, 1, 2]], undefined, "int32") };
    const bad = { tokenIds: tf.tensor2d([[0]], undefined, "int32") };
    const before = tf.memory().numTensors;
    expectRLError(() => precomputeRefLogProbs(model, [good, good, bad]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([good.tokenIds, bad.tokenIds, ...variables]);
  });
});

describe("found by pnpm fuzz (tools/fuzz)", () => {
  it("treeStepRewards with beta 1e308 → NON_FINITE, no leak (was Infinity)", () => {
    const m = tf.tensor1d([0.4, -0.2]);
    const w = tf.tensor1d([2, 1.2]);
    const before = tf.memory().numTensors;
    expect(expectRLError(() => treeStepRewards(m, w, { beta: 1e308 }), /treeStepRewards: reward 0 would be Infinity/).code).toBe("NON_FINITE");
    expect(tf.memory().numTensors).toBe(before);
    const s = treeStepRewards(m, w, { beta: 1 });
    expect(s.dataSync()[0]).toBeCloseTo(0.175, 6);
    tf.dispose([s, m, w]);
  });
});

describe("found by pnpm fuzz (tools/fuzz): more boundaries", () => {
  it("RLError for malformed arguments, no NaN from huge hyper-parameters", () => {
    const lp = tf.zeros([2, 1]);
    expectRLError(() => a.offPolicySequenceMask(lp, lp, tf.tensor1d([1, -2]), null as never, 0.25), /offPolicySequenceMask: mask must be a tf.Tensor/);
    expectRLError(() => a.modelLogits(1 as never, tf.tensor2d([[0, 1]], undefined, "int32")), /modelLogits: model must be a function/);
    expectRLError(() => a.modelTokenLogProbs((ids: tf.Tensor2D) => tf.cast(tf.oneHot(ids, 4), "float32") as tf.Tensor3D, 1.5 as never), /modelTokenLogProbs: tokenIds must be a tf.Tensor/);
    expectRLError(() => a.trainableVariables((() => tf.zeros([1, 1, 1])) as never, 1.5 as never), /trainableVariables: variables must be an array/);
    const inputs = { logProbs: tf.zeros([1, 2]), oldLogProbs: tf.zeros([1, 2]), advantages: tf.ones([1]), mask: tf.ones([1, 2]) };
    expectRLError(() => a.clipCovLoss(inputs, null as never), /clipCovLoss: rng must be an Rng/);
    expect(expectRLError(() => a.copgLoss({ rewards: [[1, 0]], logRatios: tf.tensor2d([[0.2, -0.1]]) }, { beta: 1e308 }), /copgLoss: beta 1e\+308 overflows float32/).code).toBe("INVALID_CONFIG");
    expectRLError(() => a.simpoLoss({ chosenAvgLogProbs: tf.tensor1d([-1]), rejectedAvgLogProbs: tf.tensor1d([-1.5]) }, { gamma: 1e308 }), /simpoLoss: beta 2 \/ gamma 1e\+308 overflow float32/);
    expectRLError(() => a.simpoLoss({ rejectedAvgLogProbs: tf.tensor1d([-1.5]) } as never), /simpoLoss: chosenAvgLogProbs and rejectedAvgLogProbs are required/);
    const disposed = tf.zeros([1]);
    disposed.dispose();
    expectRLError(() => a.ktoLoss({ policy: tf.tensor1d([0.5, 0.2]), reference: tf.zeros([2]), labels: [1, disposed as never], policyKl: tf.zeros([2]), referenceKl: tf.zeros([2]) }), /ktoLoss: labels\[1\] is a float32 tensor \[1\]; expected a number/);
  });
});

describe("found by pnpm fuzz --cases 1000 (tools/fuzz)", () => {
  it("orpoLoss without its inputs → RLError (was a TypeError)", () => {
    expectRLError(() => a.orpoLoss({ chosenAvgLogProbs: tf.tensor1d([-0.5]), chosenNll: 0.5 } as never), /orpoLoss: chosenAvgLogProbs and rejectedAvgLogProbs are required/);
  });
});

describe("found by pnpm fuzz in this round's online and game-theoretic losses", () => {
  const two = () => ({
    policyFirst: tf.tensor1d([-10, -20]),
    policySecond: tf.tensor1d([-12, -18]),
    refFirst: tf.tensor1d([-11, -18.5]),
    refSecond: tf.tensor1d([-11.5, -18.25]),
  });
  it("onlineDpoLoss / xpoLoss without refSecond → RLError naming it (was a tfjs error)", () => {
    const x = two();
    expectRLError(() => a.onlineDpoLoss({ ...x, refSecond: undefined, firstPreferred: [1, 0] } as never), /onlineDpoLoss: refSecond is required/);
    expectRLError(() => a.xpoLoss({ ...x, policySecond: undefined, firstPreferred: [1, 0] } as never), /xpoLoss: policySecond is required/);
    tf.dispose(Object.values(x));
  });
  it("a disposed tensor inside firstPreferred / probabilities / winRates → RLError (was 'Tensor is disposed')", () => {
    const x = two();
    const gone = tf.scalar(1);
    gone.dispose();
    expectRLError(() => a.xpoLoss({ ...x, firstPreferred: [1, gone] } as never), /xpoLoss: firstPreferred\[1\] is/);
    const lp = tf.tensor2d([[-1, -2], [-0.5, -1.5]]);
    const ref = tf.tensor2d([[-1.5, -1.5], [-1, -1]]);
    expectRLError(() => a.nashMdLoss({ logProbs: lp, refLogProbs: ref, probabilities: [gone, 0.3] } as never), /nashMdLoss: probabilities\[0\] is/);
    const w = tf.tensor2d([[0.75, 0.5, 0.25]]);
    w.dispose();
    const p3 = tf.tensor2d([[-3, -4, -5]]);
    const r3 = tf.tensor2d([[-3.5, -3.5, -5]]);
    expectRLError(() => a.dnoLoss({ policyLogProbs: p3, refLogProbs: r3, winRates: w }), /dnoLoss: winRates/);
    tf.dispose([...Object.values(x), lp, ref, p3, r3]);
  });
  it("β that overflows float32 → NON_FINITE and no leak (was NaN / Inf, or 8 leaked tensors)", () => {
    const x = two();
    const lp = tf.tensor2d([[-1, -2], [-0.5, -1.5]]);
    const ref = tf.tensor2d([[-1.5, -1.5], [-1, -1]]);
    const p3 = tf.tensor2d([[-3, -4, -5]]);
    const r3 = tf.tensor2d([[-3.5, -3.5, -5]]);
    const before = tf.memory().numTensors;
    expect(expectRLError(() => a.xpoLoss({ ...x, firstPreferred: [1, 0] }, { beta: 1e308 }), /xpoLoss/).code).toBe("NON_FINITE");
    expect(expectRLError(() => a.nashMdLoss({ logProbs: lp, refLogProbs: ref, probabilities: [0.8, 0.3] }, { beta: 1e308 }), /nashMdLoss: the loss is not finite/).code).toBe("NON_FINITE");
    expect(expectRLError(() => a.dnoLoss({ policyLogProbs: p3, refLogProbs: r3, winRates: [[0.75, 0.5, 0.25]] }, { beta: 1e308 }), /dnoLoss: β·\(log-ratio gap\) is not finite/).code).toBe("NON_FINITE");
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...Object.values(x), lp, ref, p3, r3]);
  });
  it("rolloutRejectionCriteriaFromVerl with a non-string threshold → RLError describing it", () => {
    const gone = tf.scalar(1);
    gone.dispose();
    expectRLError(() => a.rolloutRejectionCriteriaFromVerl("token_k1", gone as never), /rolloutRsThreshold must be a number or a string/);
  });
});

describe("found by the new fuzz seeds (tools/fuzz): distillation, BCO and the listed alignment failures", () => {
  const d3 = (): tf.Tensor3D => tf.tensor3d([[[2, 0, -1]]]);
  it("distillation losses with a missing or non-tensor input → RLError naming the function and field (was a TypeError)", () => {
    expectRLError(() => a.forwardKlDistillationLoss({ studentLogits: d3(), teacherLogits: -1 as never }), /forwardKlDistillationLoss: teacherLogits must be a tf.Tensor, got -1/);
    expectRLError(() => a.reverseKlDistillationLoss({ studentLogits: [] as never, teacherLogits: d3() }), /reverseKlDistillationLoss: studentLogits must be a tf.Tensor, got an array of 0/);
    expectRLError(() => a.generalizedJsdLoss([] as never), /generalizedJsdLoss: studentLogits must be a tf.Tensor, got undefined/);
    expectRLError(() => a.generalizedJsdLoss(null as never), /generalizedJsdLoss: inputs must be \{ studentLogits, teacherLogits, mask\? \}, got null/);
    expectRLError(() => a.generalizedJsdLoss({ studentLogits: d3(), teacherLogits: d3(), mask: Infinity as never }), /generalizedJsdLoss: mask must be a tf.Tensor, got Infinity/);
    expectRLError(() => a.tokenDivergences(-1 as never, d3()), /tokenDivergences: studentLogits must be a tf.Tensor, got -1/);
    expectRLError(() => a.tokenDivergences(d3(), tf.zeros([1, 1, 4])), /tokenDivergences: teacherLogits has shape \[1,1,4\], studentLogits has \[1,1,3\]/);
    expectRLError(() => a.onPolicyDistillationAdvantages([] as never), /onPolicyDistillationAdvantages: logProbs must be a tf.Tensor, got undefined/);
  });
  it("bcoLoss: a β / bcoRewardShift that overflows float32 → NON_FINITE, nothing leaked (was Infinity)", () => {
    const inputs = { policy: tf.tensor1d([0.5, -0.2, -0.4]), reference: tf.zeros([3]), labels: [1, 1, 0] };
    const before = tf.memory().numTensors;
    expect(expectRLError(() => a.bcoLoss(inputs, { bcoRewardShift: 1e308 }), /bcoLoss: the loss would be NaN from finite log-probs \(beta 0.1 and bcoRewardShift 1e\+308 overflow float32/).code).toBe("NON_FINITE");
    expectRLError(() => a.bcoLoss(inputs, { beta: 1e308 }), /bcoLoss: the loss would be/);
    expect(tf.memory().numTensors).toBe(before);
    expectRLError(() => a.bcoLoss(undefined as never), /bcoLoss: inputs must be \{ policy, reference, labels, desirableProbs\? \}, got undefined/);
    expectRLError(() => a.bcoLoss({ ...inputs, labels: undefined as never }), /bcoLoss: labels must be a tensor or an array of numbers, got undefined/);
    const disposed = tf.zeros([3]);
    disposed.dispose();
    expectRLError(() => a.ktoLoss({ ...inputs, labels: disposed as never, lossType: undefined } as never, { lossType: "apo_zero_unpaired" }), /ktoLoss: labels is a disposed tensor/);
    tf.dispose([inputs.policy, inputs.reference]);
  });
  it("β-DPO, KTO, MaDPO, tree-preference and TREG with missing inputs → RLError (was a TypeError or a tfjs error)", () => {
    const v = (): tf.Tensor1D => tf.tensor1d([-1, -2]);
    expectRLError(() => a.betaDpoLoss({ policyChosen: v(), refChosen: v(), refRejected: v() } as never), /betaDpoLoss: policyRejected is required, got undefined/);
    expectRLError(() => a.ktoLoss({ reference: v(), labels: [1, 0] } as never), /ktoLoss: policy is required, got undefined/);
    expectRLError(() => a.ktoLoss(undefined as never), /ktoLoss: inputs must be/);
    expectRLError(() => a.madpoLoss(null as never), /madpoLoss: inputs must be .*, got null/);
    expectRLError(() => a.treePreferenceLoss(undefined as never), /treePreferenceLoss: inputs must be \{ rewards, scores \}, got undefined/);
    expectRLError(() => a.tregLoss({ policyRejected: v(), refChosen: v(), refRejected: v() } as never), /tregLoss: policyChosen is required, got undefined/);
  });
  it("cpoLoss / orpoLoss: a chosenNll beyond float32 → NON_FINITE (was Infinity); quantiles reject a tensor", () => {
    const pair = { policyChosen: tf.tensor1d([-1]), policyRejected: tf.tensor1d([-2]) };
    expectRLError(() => a.cpoLoss({ ...pair, chosenNll: 1e308 }, { cpoAlpha: 1 }), /cpoLoss: chosenNll is 1e\+308, outside the float32 range/);
    expectRLError(() => a.orpoLoss({ chosenAvgLogProbs: tf.tensor1d([-0.5]), rejectedAvgLogProbs: tf.tensor1d([-1]), chosenNll: 1e308 }), /orpoLoss: chosenNll is 1e\+308, outside the float32 range/);
    const disposed = tf.zeros([1]);
    disposed.dispose();
    expectRLError(() => a.highEntropyTokenMask(tf.ones([1, 2]), tf.ones([1, 2]), disposed as never), /highEntropyTokenMask: topQuantile must be in \[0, 1\], got a float32 tensor \[1\]/);
    expectRLError(() => a.linearQuantile([1, 2], disposed as never), /linearQuantile: q must be in \[0, 1\], got a float32 tensor \[1\]/);
  });
});
