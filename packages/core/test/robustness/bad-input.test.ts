// Regression tests for issue 19 (bad input never corrupts): every case here once returned a wrong
// number, NaN, leaked, crashed or threw something other than an RLError.
import { describe, expect, it } from "vitest";
import { expectRLError } from "../../src/testing/index.js";
import { parseChatCompletionLogProbs, sameLogProbSemantics, toRolloutGroup } from "../../src/clients/index.js";
import { readJsonlAll } from "../../src/data/index.js";
import { aggregateLoss, createRng, klEstimate, logSigmoid, gatherLogProbs, gatherLogProbsOneHot, maskedMean, maskedSum, maskedVariance, maskedWhiten, tf } from "../../src/index.js";
import * as core from "../../src/index.js";


describe("defect 2: masks outside {0, 1} are rejected", () => {
  it("array forms", () => {
    expectRLError(() => maskedWhiten([[1, 2, 3, 4]], [[1, 1, -1, 0]]), /mask.*only 0 and 1/);
    expectRLError(() => maskedMean([[1, 2]], [[1, -1]]), /mask/);
    expectRLError(() => maskedSum([[1, 2]], [[1, 0.5]]), /mask/);
    expectRLError(() => maskedVariance([[1, 2]], [[2, 0]]), /mask/);
    expectRLError(() => aggregateLoss([[1, 2]], [[1, -1]]), /mask/);
  });
  it("tensor forms, and no tensor is left behind", () => {
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const m = tf.tensor2d([[1, 1, -1, 0]]);
    const before = tf.memory().numTensors;
    expectRLError(() => maskedWhiten(x, m), /mask/);
    expectRLError(() => maskedMean(x, m), /mask/);
    expectRLError(() => aggregateLoss(x, m), /mask/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, m]);
  });
});

describe("defect 3: gatherLogProbsOneHot checks the id range", () => {
  it.each([-1, 3, 100])("id %s → INVALID_INPUT, like gatherLogProbs", (id) => {
    const logits = tf.tensor2d([[2, 1, 0]]);
    const ids = tf.tensor1d([id], "int32");
    const before = tf.memory().numTensors;
    expectRLError(() => gatherLogProbsOneHot(logits, ids), /token ids must lie in \[0, 3\)/);
    expectRLError(() => gatherLogProbs(logits, ids), /token ids/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, ids]);
  });
});

describe("defect 6: tiny hyper-parameters are bounded", () => {
  it("gatherLogProbs temperature 1e-300 → INVALID_CONFIG", () => {
    const logits = tf.tensor2d([[2, 1, 0]]);
    const ids = tf.tensor1d([0], "int32");
    expect(expectRLError(() => gatherLogProbs(logits, ids, { temperature: 1e-300 })).code).toBe("INVALID_CONFIG");
    tf.dispose([logits, ids]);
  });
});

describe("defect 8: impossible log-probs (> 0) are refused", () => {
  it("parseChatCompletionLogProbs rejects logprob 3.5 (content and top_logprobs)", () => {
    const resp = (lp: number, top = -1) => ({
      choices: [{ index: 0, logprobs: { content: [{ token: "4", logprob: lp, top_logprobs: [{ token: "5", logprob: top }] }] } }],
    });
    expect(parseChatCompletionLogProbs(resp(-0.3), { temperature: 1 }).sequences[0]!.tokens[0]!.logProb).toBe(-0.3);
    expect(expectRLError(() => parseChatCompletionLogProbs(resp(3.5), { temperature: 1 }), /above 0/).code).toBe("PARSE");
    expectRLError(() => parseChatCompletionLogProbs(resp(-1, 0.5), { temperature: 1 }), /above 0/);
  });
  it("toRolloutGroup rejects logProb 0.5 with an RLError (was accepted; schema errors were raw ZodErrors)", () => {
    const batch = {
      semantics: { kind: "raw" as const, temperature: 1, topP: 1, topK: 0 },
      sequences: [{ index: 0, text: "a", finishReason: "stop", tokens: [{ id: 1, text: "a", logProb: 0.5, bytes: null, topLogProbs: [] }] }],
    };
    expectRLError(() => toRolloutGroup(batch, { promptId: "p" }), /above 0/);
    expectRLError(() => toRolloutGroup(undefined as never, { promptId: "p" }), /LogProbBatch/);
  });
  it("sameLogProbSemantics: RLError, not a raw ZodError", () => {
    expect(expectRLError(() => sameLogProbSemantics({ kind: "weird" } as never, { kind: "raw", temperature: 1 })).code).toBe("INVALID_INPUT");
  });
});

describe("defect 17: createRng seeds never collide", () => {
  const first = (seed: number) => Array.from({ length: 4 }, ((r) => () => r.nextUint32())(createRng(seed)));
  it("2^32, 2^53 − 1 and −2^32 give streams unlike createRng(0); small seeds keep theirs", () => {
    const zero = first(0);
    for (const s of [2 ** 32, 2 ** 53 - 1, -(2 ** 32), 2 ** 31, -(2 ** 31) - 1]) expect(first(s)).not.toEqual(zero);
    expect(first(2 ** 32)).not.toEqual(first(2 ** 33));
    expect(first(-1)).not.toEqual(first(2 ** 32 - 1));
    expect(first(7)).toEqual(first(7));
  });
  it.each([2 ** 53, 1.5, NaN, Infinity, "3"])("seed %s → INVALID_CONFIG", (s) => {
    expect(expectRLError(() => createRng(s as number)).code).toBe("INVALID_CONFIG");
  });
});

describe("defect 14: orphan temp files of a killed save are removed by the next save", () => {
  it("a stale .name.<dead pid>.*.tmp goes; another target's temp stays", async () => {
    const { mkdtemp, writeFile, readdir } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { writeFileAtomic } = await import("../../src/data/index.js");
    const dir = await mkdtemp(join(tmpdir(), "rl-orphan-"));
    const deadPid = 2 ** 22 + 12345; // above the default pid_max: no such process
    await writeFile(join(dir, `.ckpt.bin.${deadPid}.abc123.tmp`), "partial");
    await writeFile(join(dir, `.other.bin.${deadPid}.abc123.tmp`), "partial");
    await writeFileAtomic(join(dir, "ckpt.bin"), "whole");
    expect((await readdir(dir)).sort()).toEqual([`.other.bin.${deadPid}.abc123.tmp`, "ckpt.bin"]);
  });
});

describe("defect 15: JSONL reader", () => {
  const read = async (chunks: (string | Uint8Array)[], onError: "stop" | "skip" | "collect" = "collect") => readJsonlAll(chunks, undefined, { onError });
  it("invalid UTF-8 is a bad line, not U+FFFD", async () => {
    const bad = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]); // {"a":"\xff"}
    const { records, errors } = await read([new TextEncoder().encode('{"a":1}\n'), bad, new TextEncoder().encode('{"a":2}\n')]);
    expect(records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(errors.map((e) => [e.line, e.error.code])).toEqual([[2, "PARSE"]]);
    expect(errors[0]!.error.message).toMatch(/line 2: invalid UTF-8/);
  });
  it("CR-only and mixed line endings, and \\r\\n split across chunks", async () => {
    expect((await read(['{"a":1}\r{"a":2}\r\n{"a":3}\n{"a":4}'])).records).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }]);
    expect((await read(['{"a":1}\r', '\n{"a":2}'])).records).toEqual([{ a: 1 }, { a: 2 }]);
    const enc = new TextEncoder();
    expect((await read([enc.encode('{"a":1}\r'), enc.encode('\n{"a":2}\r'), enc.encode('{"a":3}')])).records).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });
  it("one long line in many chunks reads in linear time", async () => {
    const piece = "x".repeat(65536);
    const chunks = ['{"a":"', ...Array.from({ length: 400 }, () => piece), '"}\n']; // ~26 MB
    const t0 = performance.now();
    const { records } = await read(chunks);
    expect((records[0] as { a: string }).a.length).toBe(65536 * 400);
    expect(performance.now() - t0).toBeLessThan(20000); // the quadratic reader took minutes here
  });
  it("skip mode: a source whose every line is bad throws instead of returning 0 records", async () => {
    await expect(read(["nope\n", "{bad\n"], "skip")).rejects.toMatchObject({ code: "PARSE" });
    expect((await read(["nope\n", '{"a":1}\n'], "skip")).records).toEqual([{ a: 1 }]);
  });
});

describe("defect 18: logSigmoid and klEstimate", () => {
  it("logSigmoid(undefined) → RLError, not NaN", () => {
    expectRLError(() => logSigmoid(undefined as never), /logSigmoid/);
    expectRLError(() => logSigmoid(NaN), /logSigmoid/);
  });
  it("k3 with clamp 'none' stays finite for log-probs near −1e4 (exp argument clamped, documented)", () => {
    const out = klEstimate([[-1e4]], [[-1]], { kind: "k3", clamp: "none" });
    expect(Number.isFinite(out.data[0])).toBe(true);
  });
});

describe("found by pnpm fuzz (tools/fuzz): RLError instead of TypeError / tfjs errors", () => {
  it("validators reject values of the wrong kind", () => {
    expectRLError(() => core.assertMask([[1, 0]] as never, "mask", "maskedMean"), /maskedMean: mask must be a Matrix/);
    expectRLError(() => core.assertTensorMask([1, 0] as never, "maskedMean", "mask"), /maskedMean: mask must be a tf.Tensor/);
    expectRLError(() => core.assertSameShape(undefined as never, "grpoAdvantages"), /grpoAdvantages: assertSameShape needs/);
    expectRLError(() => core.assertSameShape({ a: core.Matrix.zeros([2]), b: 3 } as never, "f"), /f: b must be a Matrix or tensor/);
    expectRLError(() => core.assertState({ step: 0 }, "adamW", null as never), /assertState: fields must be an object/);
    const disposed = tf.zeros([2]);
    disposed.dispose();
    expectRLError(() => core.assertMaskValues([1, disposed as never], "f", "mask"), /f: mask\[1\] is a float32 tensor/);
    expectRLError(() => core.assertFiniteResult([disposed as never], "f", "x"), /f: x would be a float32 tensor/);
    expect(core.toRLError(disposed).code).toBe("INTERNAL"); // String(disposed tensor) used to throw
  });
  it("display helpers", () => {
    expectRLError(() => core.escapeHtml(1 as never), /escapeHtml: text must be a string/);
    expectRLError(() => core.formatValue(0.5, -1), /formatValue: digits must be an integer/);
    expectRLError(() => core.formatIssues(null as never), /formatIssues: issues must be an array/);
    expectRLError(() => core.displayReport("t", 1 as never), /displayReport: parts must be an array/);
    expectRLError(() => core.lineChart([1, "a"] as never, { y: [1, 2] }), /lineChart: x\[1\] is string/);
    expectRLError(() => core.createRegistry(null as never), /createRegistry: options must be an object/);
    expectRLError(() => core.checkPluginOutput("reward-function", 1, { plugin: 3 as never }), /expectations.plugin must be a string/);
    expectRLError(() => core.parseInput(1 as never, {}, "decodePreferencePair", "pair"), /decodePreferencePair/);
  });
  it("tensor ops and sampling", () => {
    const x = tf.tensor1d([-2, 0.5, 3]);
    expect(expectRLError(() => core.clampTensor(x, tf.zeros([5]), 1), /clampTensor: lo \/ hi do not broadcast/).code).toBe("SHAPE_MISMATCH");
    expectRLError(() => core.clampTensor([1] as never, -1, 1), /clampTensor: x must be a tf.Tensor/);
    expectRLError(() => core.linear(tf.ones([2, 4]), [[1]] as never), /linear: w must be a tf.Tensor/);
    expectRLError(() => core.sampleToken([0.5, 0.5], 1 as never), /sampleToken: rng must be an Rng/);
    expectRLError(() => core.sampleToken([0.5, "a"] as never, createRng(0)), /sampleToken: p\[1\] is string/);
    expectRLError(() => core.sampleToken([0.5, 0.5], createRng(0), null as never), /sampleToken: filters must be an object/);
    expectRLError(() => core.generate(1 as never, [[0]], { maxNewTokens: 1, greedy: true }), /generate: model must be a function/);
    expectRLError(
      () => core.rolloutTrainingBatch({ batch: { tokenIds: [[7]], mask: [[1]] }, advantages: [[1]], promptTokenIds: [1.5 as never] }),
      /rolloutTrainingBatch: the prompt of row 0 must be a list/,
    );
    x.dispose();
  });
});

describe("found by pnpm fuzz --cases 1000 (tools/fuzz)", () => {
  it("options, batches and definitions of the wrong kind", () => {
    expectRLError(() => core.maskedVariance([[1, 2]], [[1, 1]], null as never), /maskedVariance: options must be an object/);
    expectRLError(() => core.maskedWhiten([[1, 2]], [[1, 1]], null as never), /maskedWhiten: options must be an object/);
    expectRLError(() => core.batchTensors(null as never), /batchTensors: batch must be an object/);
    expectRLError(() => core.defineDefinition(null as never), /defineDefinition: def must be/);
    expectRLError(() => core.guardedDefinition(undefined as never), /guardedDefinition: def must be a plugin definition/);
    expectRLError(() => core.maskTruncatedCompletions({ mask: [[1]], finishReasons: null as never }), /maskTruncatedCompletions: finishReasons must be an array/);
    expectRLError(() => core.sampleToken([0.5, 0.5], createRng(0), { topK: "2" as never }), /sampleToken: filters.topK must be a number/);
  });
});

describe("found by pnpm fuzz --cases 1000 (tools/fuzz): clients", () => {
  it("toRolloutGroup with a malformed sequence → RLError (was a TypeError)", () => {
    expectRLError(() => toRolloutGroup({ semantics: { kind: "raw", temperature: 1 }, sequences: [1.5] } as never, { promptId: "p", rewards: [1] }), /toRolloutGroup: batch.sequences\[0\] must be/);
  });
});

describe("found by the new fuzz seeds (tools/fuzz): optimizer transforms, fused kernels, conversion helpers", () => {
  it("applyUpdates with a non-variable parameter → RLError naming params[i] (was a TypeError)", () => {
    expectRLError(() => core.applyUpdates([-1 as never], [tf.tensor1d([1])]), /applyUpdates: params\[0\] must be a tf.Variable, got -1/);
    expectRLError(() => core.applyUpdates(null as never, []), /applyUpdates: params must be an array of tf.Variable, got null/);
  });
  it("scaleByLearningRate with a learningRate that is neither a number nor a schedule → RLError (was 'lr is not a function')", () => {
    expectRLError(() => core.scaleByLearningRate({ learningRate: [1, 2] as never }), /scaleByLearningRate: learningRate must be a number or a schedule/);
    expectRLError(() => core.scaleByLearningRate(undefined as never), /scaleByLearningRate: config must be \{ learningRate \}, got undefined/);
  });
  it("entropyFromLogitsComposite / fusedPolicyLoss / lmHeadLogProbs with missing tensors → RLError naming the field", () => {
    expectRLError(() => core.entropyFromLogitsComposite(null as never), /entropyFromLogitsComposite: logits must be a tf.Tensor, got null/);
    const inputs = { logProbs: tf.tensor2d([[-0.5, -1]]), advantages: tf.tensor1d([1]), mask: tf.ones([1, 2]), oldLogProbs: 3 as never };
    const before = tf.memory().numTensors;
    expectRLError(() => core.fusedPolicyLoss(inputs), /fusedPolicyLoss: oldLogProbs must be a tf.Tensor, got 3/);
    expectRLError(() => core.fusedPolicyLoss(undefined as never), /fusedPolicyLoss: inputs must be/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([inputs.logProbs, inputs.advantages, inputs.mask]);
    const hidden = tf.zeros([1, 2, 3]);
    const ids = tf.tensor2d([[0, 1]], [1, 2], "int32");
    expectRLError(() => core.lmHeadLogProbs({ hidden, weight: [1] as never, ids }), /lmHeadLogProbs: weight must be a tf.Tensor, got an array of 1/);
    expectRLError(() => core.lmHeadLogProbs([] as never), /lmHeadLogProbs: hidden must be a tf.Tensor, got undefined/);
    tf.dispose([hidden, ids]);
  });
  it("a disposed tensor where a name or version is expected → RLError (was 'Tensor is disposed' from the message)", () => {
    const d = tf.zeros([1]);
    d.dispose();
    expectRLError(() => core.toMatrix2D([[1, 2]], "mask", d as never), /toMatrix2D: fn must be a function name \(string\), got a float32 tensor \[1\]/);
    expectRLError(() => core.toVector([1, 2], d as never, "grpoAdvantages"), /grpoAdvantages: toVector: name must be a field name/);
    expectRLError(
      () => core.defineDefinition({ kind: "reward-function", name: "acme/x", version: d as never, specVersion: "v1", configSchema: core.klEstimateConfig, create: () => 0 } as never),
      /defineDefinition: acme\/x: version a float32 tensor \[1\] is not semver/,
    );
  });
});

describe("found by the new fuzz seeds (tools/fuzz): client helpers", () => {
  it("rescaleLogProbTemperature with a malformed batch → RLError (was a TypeError or NaN); an overflowing ratio → NON_FINITE", async () => {
    const { rescaleLogProbTemperature } = await import("../../src/clients/index.js");
    expectRLError(() => rescaleLogProbTemperature(-1 as never, { temperature: 0.5 }), /rescaleLogProbTemperature: invalid batch: /);
    expectRLError(() => rescaleLogProbTemperature({ semantics: 1.5, sequences: [] } as never, { temperature: 0.5 }), /rescaleLogProbTemperature: invalid batch: /);
    const tok = (lp: number) => ({ id: 1, text: "a", logProb: lp, bytes: null, topLogProbs: [{ id: 1, text: "a", logProb: lp, bytes: null }, { id: 2, text: "b", logProb: Math.log(0.2), bytes: null }] });
    const batch = { semantics: { kind: "raw" as const, temperature: 1, topP: 1, topK: 0 }, sequences: [{ index: 0, text: "a", finishReason: "stop", tokens: [tok(Math.log(0.8))] }] };
    expect(rescaleLogProbTemperature(batch, { temperature: 0.5 }).sequences[0]?.tokens[0]?.logProb).toBeCloseTo(Math.log(0.64 / 0.68), 6);
    expectRLError(() => rescaleLogProbTemperature(batch, { temperature: 1e-320 }), /rescaleLogProbTemperature: sequences.0.tokens.0: rescaling from τ=1 to τ=1e-320/);
  });
  it("describeSemantics / tokenIdFromText with a non-semantics / non-string → RLError (was 'Tensor is disposed')", async () => {
    const { describeSemantics, tokenIdFromText } = await import("../../src/clients/index.js");
    const d = tf.zeros([1]);
    d.dispose();
    expectRLError(() => describeSemantics({ kind: "processed", temperature: 1, topP: d } as never), /describeSemantics: invalid semantics: topP/);
    expect(describeSemantics({ kind: "processed", temperature: 0.7, topP: 0.9, topK: 20 })).toBe("processed(τ=0.7, topP=0.9, topK=20)");
    expectRLError(() => tokenIdFromText(d as never), /tokenIdFromText: token must be a string, got a float32 tensor \[1\]/);
    expect(tokenIdFromText("token_id:1234")).toBe(1234);
  });
});
