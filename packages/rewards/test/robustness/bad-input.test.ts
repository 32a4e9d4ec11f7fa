// Regression tests for issue 19 (bad input never corrupts).
import { RLError, tf } from "@rl/core";
import { describe, expect, it } from "vitest";
import { expectRLError } from "@rl/core/testing";
import { armoGatingLoss, armoScore, btRegressionLoss, createChatCompletionsJudge, createEmbeddingEncoder, createRewardModel, gpmLoss, type Encoder, parseRubric, regressionLoss, runningRewardNormalizer } from "../../src/index.js";
import { hlGaussTargets, loadVariables, saveVariables } from "../../src/models/index.js";
import { updateRunningRewardStats } from "../../src/transforms/index.js";
import * as rewardsRoot from "../../src/index.js";
import * as evaluation from "../../src/evaluation/index.js";
import * as models from "../../src/models/index.js";
import * as rubric from "../../src/rubric/index.js";
import * as transforms from "../../src/transforms/index.js";
import * as verifiable from "../../src/verifiable/index.js";

// every public function of the package: the root and its subpaths (issue 16 keeps building blocks in the subpaths)
const r = { ...verifiable, ...transforms, ...rubric, ...models, ...evaluation, ...rewardsRoot };


describe("defect 5: running reward statistics", () => {
  it("malformed state → RLError", () => {
    expectRLError(() => updateRunningRewardStats({ count: 2, mean: 1 } as never, [1, 2]), /state\.m2/);
    expectRLError(() => updateRunningRewardStats({ count: -1, mean: 0, m2: 0, min: 0, max: 0 }, [1]), /state\.count/);
    expectRLError(() => runningRewardNormalizer().update({ rewards: [1] }, { count: 1.5, mean: 0, m2: 0, min: 0, max: 0 }), /state\.count/);
  });
  it("minmax state survives a JSON round trip (±Infinity saved as null)", () => {
    const t = runningRewardNormalizer({ mode: "minmax" });
    const saved = JSON.parse(JSON.stringify(t.init()));
    expect(saved.min).toBeNull();
    expect(t.update({ rewards: [1, 2, 3] }, saved).output).toEqual([0, 0.5, 1]);
  });
});

describe("defect 6: tiny hyper-parameters", () => {
  it("hlGaussTargets with vMax 5e-324 → INVALID_CONFIG (was NaN)", () => {
    expect(expectRLError(() => hlGaussTargets([1.5], { vMin: 0, vMax: 5e-324 })).code).toBe("INVALID_CONFIG");
    expect(expectRLError(() => hlGaussTargets([1.5], { vMin: -1e308, vMax: 1e308 })).code).toBe("INVALID_CONFIG");
  });
  it("armoScore temperature 5e-324 → INVALID_CONFIG (was NaN)", () => {
    const before = tf.memory().numTensors;
    expect(expectRLError(() => armoScore({ objectives: [[0.6, 0.2]], gateLogits: [[1, 0]] }, { temperature: 5e-324 })).code).toBe("INVALID_CONFIG");
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("defect 7: loadVariables checks everything before touching a weight", () => {
  async function roundTrip(edit: (ckpt: { variables: { shape: number[]; data: string }[] }) => void, vars: tf.Variable[]) {
    const { mkdtemp, readFile, writeFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "rl-load-"));
    const path = join(dir, "ckpt.json");
    await saveVariables(path, vars, {});
    const ckpt = JSON.parse(await readFile(path, "utf8"));
    edit(ckpt);
    await writeFile(path, JSON.stringify(ckpt));
    return path;
  }
  const b64 = (xs: number[]) => Buffer.from(new Float32Array(xs).buffer).toString("base64");

  it("NaN / Inf weights → NON_FINITE, model unchanged", async () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const path = await roundTrip((c) => (c.variables[0]!.data = b64([NaN, Infinity])), [a]);
    await expect(loadVariables(path, [a])).rejects.toMatchObject({ code: "NON_FINITE" });
    expect(Array.from(a.dataSync())).toEqual([1, 2]);
    a.dispose();
  });
  it("5 bytes of data → PARSE (was RangeError)", async () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const path = await roundTrip((c) => (c.variables[0]!.data = Buffer.from([1, 2, 3, 4, 5]).toString("base64")), [a]);
    await expect(loadVariables(path, [a])).rejects.toMatchObject({ code: "PARSE" });
    a.dispose();
  });
  it("a bad second variable leaves the first untouched", async () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3, 4]));
    const path = await roundTrip((c) => {
      c.variables[0]!.data = b64([9, 9]);
      c.variables[1]!.data = b64([NaN, 0]);
    }, [a, b]);
    await expect(loadVariables(path, [a, b])).rejects.toBeInstanceOf(RLError);
    expect(Array.from(a.dataSync())).toEqual([1, 2]);
    const i = tf.variable(tf.tensor1d([3, 4], "int32"));
    await expect(loadVariables(path, [a, i])).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(Array.from(a.dataSync())).toEqual([1, 2]);
    tf.dispose([a, b, i]);
  });
});

describe("defect 9: the judge client redacts before truncating", () => {
  it("a key straddling the 200 / 120 character cut never shows", async () => {
    const { createServer } = await import("node:http");
    const KEY = "sk-straddle-0123456789abcdefghij"; // 31 characters
    const ENV = "RL_TEST_STRADDLE_KEY";
    process.env[ENV] = KEY;
    let mode: "http" | "verdict" = "http";
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (mode === "http") {
          res.writeHead(400, { "content-type": "text/plain" });
          res.end(`${"x".repeat(190)}${KEY} trailing`);
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ choices: [{ message: { content: `${"y".repeat(110)}${KEY}` } }] }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const events: { message: string }[] = [];
    const judge = createChatCompletionsJudge({ baseUrl: `http://127.0.0.1:${port}/v1`, model: "m", apiKeyEnv: ENV, maxRetries: 0, backoffMs: 1, onEvent: (e) => events.push(e) });
    const criterion = parseRubric({ id: "r", criteria: [{ id: "c", text: "t", category: "essential" }] }).criteria[0]!;
    try {
      for (const m of ["http", "verdict"] as const) {
        mode = m;
        const e = await judge("p", "r", criterion).then(
          () => null,
          (err: unknown) => err as Error,
        );
        expect(RLError.isInstance(e)).toBe(true);
        for (const text of [e!.message, ...events.map((x) => x.message)]) {
          expect(text).not.toContain(KEY.slice(0, 8));
        }
      }
    } finally {
      delete process.env[ENV];
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("defect 12: an error inside fit's gradient tape leaves the engine usable", () => {
  it("fit fails with an RLError, activeTape is reset and tf.add works afterwards", async () => {
    const base = createEmbeddingEncoder({ vocabSize: 8, hiddenSize: 4, seed: 0 });
    let calls = 0;
    const encoder: Encoder = {
      ...base,
      encode: (ids, mask) => {
        calls++;
        if (calls > 1) throw new Error("wasm: memory access out of bounds (simulated)");
        return base.encode(ids, mask);
      },
    };
    const rm = createRewardModel(encoder, { seed: 0 });
    const data = Array.from({ length: 8 }, (_, k) => ({ chosenIds: [1, 2, (k % 5) + 1], rejectedIds: [3, 4, (k % 3) + 1] }));
    await expect(rm.fit(data, { epochs: 1, batchSize: 4 })).rejects.toSatisfy((e: unknown) => RLError.isInstance(e));
    expect((tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape).toBeNull();
    const a = tf.add(tf.scalar(1), tf.scalar(2));
    expect(a.dataSync()[0]).toBe(3);
    a.dispose();
    rm.dispose();
  });
});

describe("defect 13: no tensor leaks on error paths", () => {
  const leakFree = (f: () => unknown) => {
    const before = tf.memory().numTensors;
    expectRLError(f);
    expect(tf.memory().numTensors).toBe(before);
  };
  it("btRegressionLoss, armoGatingLoss, gpmLoss", () => {
    leakFree(() => btRegressionLoss({ chosenRewards: [1], rejectedRewards: [0], magnitudes: [1], chosenRatings: [Infinity], rejectedRatings: [0] }));
    leakFree(() => armoGatingLoss({ gateLogits: [[1, 0]], chosenObjectives: [[0.5, 0.2]], rejectedObjectives: [[0.5]] }));
    leakFree(() => gpmLoss({ chosenEmbeddings: [[1, 0]], rejectedEmbeddings: [[0, 1]], margins: [NaN] } as never));
    leakFree(() => gpmLoss({ chosenEmbeddings: [[1, 0]], rejectedEmbeddings: [[0, 1]], margins: [1, 1] } as never));
  });
  it("RewardModel.score and scoreSteps", () => {
    const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: 8, hiddenSize: 4, seed: 0 }), { seed: 0 });
    leakFree(() => rm.score([[1, 2]], [[1]]));
    leakFree(() => rm.score([[1, 2]], [[1, 2]]));
    leakFree(() => rm.score([[1, NaN]]));
    rm.dispose();
    const base = createEmbeddingEncoder({ vocabSize: 8, hiddenSize: 4, seed: 0 });
    const failing: Encoder = { ...base, encode: () => { throw new RLError("INVALID_INPUT", "encoder: refused"); } };
    const prm = createRewardModel(failing, { objective: "process", seed: 0 });
    leakFree(() => prm.scoreSteps([[1, 2, 3]], [[1]]));
    prm.dispose();
  });
});

describe("found by pnpm fuzz (tools/fuzz)", () => {
  it("regressionLoss with ragged targets → SHAPE_MISMATCH (was a tfjs Error)", () => {
    expect(expectRLError(() => regressionLoss({ predictions: [1, 0.5], targets: [0.8, [[1, 2], [3]]] as never }), /regressionLoss: targets is ragged/).code).toBe("SHAPE_MISMATCH");
  });
  it("updateRunningRewardStats: an empty state's mean is ignored; an overflowing variance → NON_FINITE (was Infinity / NaN)", () => {
    expect(updateRunningRewardStats({ count: 0, mean: 1e308, m2: 0, min: Infinity, max: -Infinity }, [1, 2, 3])).toEqual({ count: 3, mean: 2, m2: 2, min: 1, max: 3 });
    expect(expectRLError(() => updateRunningRewardStats({ count: 2, mean: 1e308, m2: 0, min: 1e308, max: 1e308 }, [1, 2, 3]), /updateRunningRewardStats: the running mean \/ m2 would be -?Infinity from finite inputs/).code).toBe("NON_FINITE");
  });
});

describe("found by pnpm fuzz (tools/fuzz): more boundaries", () => {
  it("text rewards want strings", () => {
    expectRLError(() => r.extractLastBoxed(1 as never), /extractLastBoxed: text must be a string, got 1/);
    expectRLError(() => r.mathAnswerReward("\\boxed{1}", 1 as never), /mathAnswerReward: gold must be a string/);
    expectRLError(() => r.bleuScore("the cat", ["the cat", 2] as never), /bleuScore: references\[1\] must be a string/);
    expectRLError(() => r.tokenize13a(undefined as never), /tokenize13a: text must be a string, got undefined/);
    expectRLError(() => r.verlMathReward("\\boxed{1}", [] as never), /verlMathReward: groundTruth must be a string/);
    expectRLError(() => r.parseVerbalizedConfidence(null as never), /parseVerbalizedConfidence: response must be a string/);
  });
  it("a bool mask no longer aborts the wasm backend", () => {
    expectRLError(() => r.lastTokenIndex(tf.ones([2, 3], "bool")), /lastTokenIndex: mask must be float32 or int32, got bool/);
    expectRLError(() => r.lastTokenIndex(tf.tensor2d([[1, 2]])), /lastTokenIndex: mask entry 1 is 2/);
    expectRLError(() => r.lastTokenPool(tf.zeros([1, 2, 3]), [[1, 1]] as never), /lastTokenPool: mask must be a tf.Tensor/);
    expect(tf.add(tf.scalar(1), 1).dataSync()[0]).toBe(2);
  });
  it("evaluation helpers and encoders", () => {
    expectRLError(() => r.bestOfNSelect({} as never), /bestOfNSelect: scores must be an array/);
    expectRLError(() => r.weightedSelfConsistency(1 as never), /weightedSelfConsistency: candidates must be an array/);
    expectRLError(() => r.bestOfNAccuracy([[{ score: 1, correct: true }, undefined as never]]), /bestOfNAccuracy: problems\[0\] must be an array of/);
    expectRLError(() => r.layersModelEncoder({} as never, 4), /layersModelEncoder: model must be a tfjs-layers model/);
    expectRLError(() => r.logSigmoidCentered(1, undefined as never), /logSigmoidCentered: reward 1 and reference undefined/);
  });
});

describe("found by pnpm fuzz --cases 1000 (tools/fuzz)", () => {
  it("rubrics, step labels, PRM examples and pairwise metrics are checked", async () => {
    expectRLError(() => r.aggregateRubric({ id: "r", criteria: 1.5 } as never, {}), /aggregateRubric: invalid rubric/);
    expectRLError(() => r.aggregateRubric(parseRubric({ id: "r", criteria: [{ id: "a", text: "A", category: "essential" }] }), -1 as never), /aggregateRubric: verdicts must be/);
    await expect(r.rubricReward("Q", "A", "str" as never, async () => 1)).rejects.toThrow(/rubricReward: invalid rubric/);
    expectRLError(() => r.firstErrorStep(1.5 as never), /firstErrorStep: labels must be an array/);
    expectRLError(() => r.firstErrorF1([1.5 as never]), /firstErrorF1: samples\[0\] must be/);
    expectRLError(() => r.buildPrmExample(-1 as never), /buildPrmExample: input must be/);
    expect(expectRLError(() => r.pairwiseMetrics([1, 2], [1]), /pairwiseMetrics: chosen has 2 entries, rejected 1/).code).toBe("SHAPE_MISMATCH"); // was NaN
    expectRLError(() => r.pairwiseMetrics("str" as never, [1, 2, 3]), /pairwiseMetrics: chosen must be an array/);
  });
});

describe("found by pnpm fuzz (round 2): disposed tensors, missing inputs and overflow", () => {
  const disposed = (): tf.Tensor => {
    const t = tf.tensor1d([1, 2]);
    t.dispose();
    return t;
  };
  it("a disposed tensor in place of a number gives an RLError describing it (was 'Tensor is disposed')", () => {
    const d = disposed() as never;
    expectRLError(() => r.centeredReward(d, [0, 1]), /centeredReward: reward is a float32 tensor \[2\]/);
    expectRLError(() => r.preferenceAsReward(d, [0, 1]), /preferenceAsReward: reward is a float32 tensor/);
    expectRLError(() => r.linearLengthPenalty(d), /linearLengthPenalty: length must be a non-negative integer token count, got a float32 tensor/);
    expectRLError(() => r.dapoOverlongPenalty(d, { maxLength: 10, cacheLength: 2 }), /dapoOverlongPenalty: length must be/);
    expectRLError(() => r.firstErrorStep([1, 1, d]), /firstErrorStep: labels\[2\] is a float32 tensor/);
    expectRLError(() => r.repetitionPenalty([d, 1, 2]), /repetitionPenalty: tokenIds\[0\] is a float32 tensor/);
    expectRLError(() => r.normalizeLikert(d, { min: 1, max: 10 }), /normalizeLikert: rating a float32 tensor/);
    expectRLError(() => r.normalizeLikert(5, { min: 1, max: d }), /normalizeLikert: scale\.max must be a finite number/);
    expectRLError(() => r.normalizeLikert(5, null as never), /normalizeLikert: scale must be/);
    expectRLError(() => r.weightedSelfConsistency([{ answer: d, score: 1 }]), /weightedSelfConsistency: candidates\[0\]\.answer is a float32 tensor/);
    expectRLError(() => r.implicitStepRewards([[1, 2, 3]], [[0, d]]), /implicitStepRewards: stepEnds\[0\]\[1\] is a float32 tensor/);
    expectRLError(() => r.implicitStepRewards([[1, 2, 3]], [1.5 as never]), /implicitStepRewards: stepEnds\[0\] must be an array/);
    expectRLError(() => r.buildPrmExample({ promptIds: [1], stepIds: [[2], Number.NaN as never], separatorIds: [9], labels: [1, 0] }), /buildPrmExample: stepIds\[1\] must be an array/);
    expectRLError(() => r.buildPrmExample({ promptIds: [1], stepIds: [[2]], separatorIds: [9], labels: [d] }), /buildPrmExample: labels\[0\] is a float32 tensor/);
    expectRLError(() => r.consensusFilter([{ mcFirstError: 1, judgeFirstError: 1 }, null as never]), /consensusFilter: items\[1\] is null/);
  });
  it("a missing input object gives an RLError naming the function (was TypeError)", () => {
    expectRLError(() => r.bradleyTerryLoss(null as never), /bradleyTerryLoss: input must be an object/);
    expectRLError(() => r.scaledBradleyTerryLoss(undefined as never), /scaledBradleyTerryLoss: input must be an object/);
    expectRLError(() => r.implicitPrmCeLoss(undefined as never), /implicitPrmCeLoss: input must be an object/);
    expectRLError(() => regressionLoss(null as never), /regressionLoss: input must be an object/);
    expectRLError(() => r.hlGaussLoss(undefined as never, { vMin: 0, vMax: 4, numBins: 4 }), /hlGaussLoss: input must be an object/);
    expectRLError(() => r.outcomeClassificationLoss(null as never), /outcomeClassificationLoss: input must be an object/);
    expectRLError(() => r.prmStepLoss({ logits: [[[0, 1]]] } as never), /prmStepLoss: input\.labels is missing/);
    expectRLError(() => r.rewardBenchScores(null as never), /rewardBenchScores: subsetAccuracy must be an object/);
    expectRLError(() => r.rewardBenchScores({ chat: 1 }, null as never), /rewardBenchScores: options must be an object/);
    expectRLError(() => createRewardModel({ hiddenSize: -1, variables: [], encode: () => tf.zeros([1]), dispose: () => {} } as never), /createRewardModel: encoder\.hiddenSize must be a positive integer ≤ 1048576, got -1/);
    expectRLError(() => createRewardModel(1e308 as never), /createRewardModel: encoder must be an Encoder/);
    expectRLError(() => r.layersModelEncoder({ apply: () => null, trainableWeights: [[1, 2]] } as never, 4), /layersModelEncoder: model\.trainableWeights\[0\] is an array of 2/);
  });
  it("finite inputs that overflow give NON_FINITE naming the field (was NaN / Infinity), leak-free", () => {
    const before = tf.memory().numTensors;
    expect(expectRLError(() => r.ensembleRewards([[1e308, -1e308, 1e308]]), /ensembleRewards: (mean|variance)/).code).toBe("NON_FINITE");
    expect(expectRLError(() => r.lscReference([1e308, -1e308, 1e308]), /lscReference: the reference/).code).toBe("NON_FINITE");
    expect(expectRLError(() => r.preferenceStrength([[1e308, -1e308, 1e308]]), /preferenceStrength: (mean|std)/).code).toBe("NON_FINITE");
    expect(expectRLError(() => r.centeredReward(1e308, [-1e308]), /centeredReward: the centered reward/).code).toBe("NON_FINITE");
    expect(expectRLError(() => r.normalizeLikert(1e308, { min: -1e308, max: 1e308 }), /normalizeLikert: the normalised rating/).code).toBe("NON_FINITE");
    expect(expectRLError(() => r.hlGaussDecode([[0, 0, 0, 0]], { vMin: 0, vMax: 1e308, numBins: 4 }), /hlGaussDecode: vMin \(0\) and vMax \(1e\+308\)/).code).toBe("NON_FINITE");
    expect(expectRLError(() => r.hlGaussLoss({ logits: [[0, 0, 0, 0]], targets: [1] }, { vMin: 0, vMax: 1e308, numBins: 4 }), /hlGaussLoss: vMin/).code).toBe("NON_FINITE");
    expect(expectRLError(() => r.implicitStepRewards([[1e308, 1e308]], [[1]], { beta: 1 }), /implicitStepRewards: cumulative/).code).toBe("NON_FINITE");
    expect(expectRLError(() => r.weightedSelfConsistency([{ answer: "a", score: 1e308 }, { answer: "a", score: 1e308 }], { weight: "identity" }), /weightedSelfConsistency: votes/).code).toBe("NON_FINITE");
    expect(expectRLError(() => r.implicitPrmCeLoss({ policyLogProbs: [[0.8, 0.4]], refLogProbs: [[0, 0]], mask: [[1, 1]], labels: [1] }, { beta: 1e308 }), /implicitPrmCeLoss: reward\[0\]/).code).toBe("NON_FINITE");
    expectRLError(() => createRewardModel({ hiddenSize: 2 ** 53, variables: [], encode: () => tf.zeros([1]), dispose: () => {} } as never), /createRewardModel: encoder\.hiddenSize must be a positive integer ≤ 1048576/);
    expect(tf.memory().numTensors).toBe(before);
    // numbers unchanged on valid input
    expect(r.hlGaussDecode([[0, 0, 0, 0]], { vMin: 0, vMax: 4, numBins: 4 }).arraySync()).toEqual([2]);
    expect(r.centeredReward(2, [0, 1])).toBe(1.5);
  });
});

describe("reward-model losses name the caller and the field of a bad entry", () => {
  it("each loss's message starts with its own name, not 'readValues: input'", () => {
    expectRLError(() => r.bradleyTerryLoss({ chosenRewards: [1, "x" as never], rejectedRewards: [0, 0] }), /^bradleyTerryLoss: chosenRewards entry 1 is/);
    expectRLError(() => r.bradleyTerryLoss({ chosenRewards: [1, 2], rejectedRewards: [0, Infinity] }), /^bradleyTerryLoss: rejectedRewards entry 1 is Infinity/);
    expectRLError(() => r.outcomeClassificationLoss({ logits: [0.5, -Infinity], labels: [1, 0] }), /^outcomeClassificationLoss: logits entry 1 is -Infinity/);
    expectRLError(() => r.hlGaussTargets(["a" as never], { vMin: 0, vMax: 1, numBins: 4 }), /^hlGaussTargets: targets entry 0 is/);
    expectRLError(() => r.implicitPrmCeLoss({ policyLogProbs: [[0, 0]], refLogProbs: [[0, 0]], mask: [[1, 1]], labels: [Infinity] }), /^implicitPrmCeLoss: labels entry 0 is Infinity/);
  });
});
