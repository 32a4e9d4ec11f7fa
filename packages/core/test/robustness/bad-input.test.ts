// Regression tests for issue 19 (bad input never corrupts): every case here once returned a wrong
// number, NaN, leaked, crashed or threw something other than an RLError.
import { describe, expect, it } from "vitest";
import { parseChatCompletionLogProbs, sameLogProbSemantics, toRolloutGroup } from "../../src/clients/index.js";
import { RLError, aggregateLoss, gatherLogProbs, gatherLogProbsOneHot, maskedMean, maskedSum, maskedVariance, maskedWhiten, tf } from "../../src/index.js";

export function expectRLError(f: () => unknown, pattern?: RegExp): RLError {
  try {
    f();
  } catch (e) {
    expect(RLError.isInstance(e), `expected an RLError, got ${String(e)}`).toBe(true);
    if (pattern !== undefined) expect((e as Error).message).toMatch(pattern);
    return e as RLError;
  }
  throw new Error("expected a throw");
}

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
      semantics: { kind: "raw" as const, temperature: 1 },
      sequences: [{ index: 0, text: "a", finishReason: "stop", tokens: [{ id: 1, text: "a", logProb: 0.5, bytes: null, topLogProbs: [] }] }],
    };
    expectRLError(() => toRolloutGroup(batch, { promptId: "p" }), /above 0/);
    expectRLError(() => toRolloutGroup(undefined as never, { promptId: "p" }), /LogProbBatch/);
  });
  it("sameLogProbSemantics: RLError, not a raw ZodError", () => {
    expect(expectRLError(() => sameLogProbSemantics({ kind: "weird" } as never, { kind: "raw", temperature: 1 })).code).toBe("INVALID_INPUT");
  });
});
