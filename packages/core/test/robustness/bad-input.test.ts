// Regression tests for issue 19 (bad input never corrupts): every case here once returned a wrong
// number, NaN, leaked, crashed or threw something other than an RLError.
import { describe, expect, it } from "vitest";
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
