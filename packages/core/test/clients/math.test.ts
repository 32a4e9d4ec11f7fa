import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RLError } from "../../src/index.js";
import { importanceLogRatios, rescaleLogProbTemperature, type LogProbBatch, type LogProbSemantics } from "../../src/clients/index.js";

function thrown(f: () => unknown): RLError {
  try {
    f();
  } catch (e) {
    if (RLError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("did not throw");
}

/** One sequence of one token whose alternatives are the full distribution `probs`; token 0 sampled. */
function fullBatch(probs: number[], semantics: LogProbSemantics): LogProbBatch {
  const alts = probs.map((p, k) => ({ id: k, text: null, logProb: Math.log(p) }));
  return {
    semantics,
    sequences: [{ index: 0, text: "", finishReason: null, tokens: [{ id: 0, text: null, logProb: Math.log(probs[0] as number), bytes: null, topLogProbs: alts }] }],
  };
}

const raw: LogProbSemantics = { kind: "raw", temperature: 1, topP: 1, topK: 0 };

describe("rescaleLogProbTemperature", () => {
  it("worked example: raw [0.8, 0.2] at τ' = 0.5 gives p ∝ p² = [0.64, 0.04] / 0.68", () => {
    const out = rescaleLogProbTemperature(fullBatch([0.8, 0.2], raw), { temperature: 0.5 });
    expect(out.semantics).toEqual({ kind: "processed", temperature: 0.5, topP: 1, topK: 0 });
    const tok = out.sequences[0]?.tokens[0];
    expect(Math.exp(tok?.logProb as number)).toBeCloseTo(0.64 / 0.68, 12);
    expect(Math.exp(tok?.topLogProbs[1]?.logProb as number)).toBeCloseTo(0.04 / 0.68, 12);
  });

  it("is the identity (relabelled) when the distribution is already the target, even without alternatives", () => {
    const b: LogProbBatch = {
      semantics: raw,
      sequences: [{ index: 0, text: "", finishReason: null, tokens: [{ id: 3, text: null, logProb: Math.log(0.8), bytes: null, topLogProbs: [] }] }],
    };
    const out = rescaleLogProbTemperature(b, { temperature: 1 });
    expect(out.sequences[0]?.tokens[0]?.logProb).toBe(Math.log(0.8));
    expect(out.semantics).toEqual({ kind: "processed", temperature: 1, topP: 1, topK: 0 });
    expect(() => rescaleLogProbTemperature(b, { temperature: 2 })).toThrow(/cover probability mass 0\.000000/);
  });

  it("refuses a partial distribution, naming the position and the mass", () => {
    const e = thrown(() => rescaleLogProbTemperature(fullBatch([0.5, 0.3], raw), { temperature: 0.7 }));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain("sequences.0.tokens.0.topLogProbs cover probability mass 0.800000 < 1 - 0.001");
  });

  it("refuses top-p / top-k truncated processed log-probs", () => {
    const e = thrown(() => rescaleLogProbTemperature(fullBatch([0.8, 0.2], { kind: "processed", temperature: 0.7, topP: 0.9, topK: 0 }), { temperature: 1 }));
    expect(e.message).toContain("truncated and renormalised");
  });

  it("property: τ → τ' → τ round-trips and every result is a distribution", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0.2, max: 3, noNaN: true }),
        fc.double({ min: 0.2, max: 3, noNaN: true }),
        (w, t1, t2) => {
          const total = w.reduce((a, b) => a + b, 0);
          const start = fullBatch(w.map((x) => x / total), { kind: "processed", temperature: t1, topP: 1, topK: 0 });
          const mid = rescaleLogProbTemperature(start, { temperature: t2 });
          const alts = mid.sequences[0]?.tokens[0]?.topLogProbs ?? [];
          expect(alts.reduce((a, x) => a + Math.exp(x.logProb), 0)).toBeCloseTo(1, 9);
          const back = rescaleLogProbTemperature(mid, { temperature: t1 });
          expect(back.sequences[0]?.tokens[0]?.logProb).toBeCloseTo(start.sequences[0]?.tokens[0]?.logProb as number, 8);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("importanceLogRatios", () => {
  const same = { trainer: { kind: "processed" as const, temperature: 1 }, sampler: { kind: "raw" as const, temperature: 0.8 } };

  it("worked example: masked lp − old", () => {
    expect(importanceLogRatios([[-1, -2]], [[-1.5, -2]], [[1, 0]], same).logRatios.toArray()).toEqual([[0.5, 0]]);
  });

  it("refuses mismatched semantics with both named", () => {
    const e = thrown(() =>
      importanceLogRatios([[-1]], [[-1]], [[1]], { trainer: { kind: "processed", temperature: 0.7 }, sampler: { kind: "raw", temperature: 0.7 } }),
    );
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain("trainer log-probs are processed(τ=0.7, topP=1, topK=0), sampler log-probs are raw(τ=0.7)");
    expect(thrown(() => importanceLogRatios([[-1]], [[-1]], [[1]], {} as never)).code).toBe("INVALID_CONFIG");
  });

  it("ignores masked NaN, refuses an unmasked one, checks shapes and the mask; a fully masked row is 0", () => {
    expect(importanceLogRatios([[NaN, -1], [NaN, NaN]], [[-1, -1], [NaN, NaN]], [[0, 1], [0, 0]], same).logRatios.toArray()).toEqual([[0, 0], [0, 0]]);
    const e = thrown(() => importanceLogRatios([[NaN]], [[-1]], [[1]], same));
    expect(e.code).toBe("NON_FINITE");
    expect(e.message).toContain("trainerLogProbs[0][0]");
    expect(thrown(() => importanceLogRatios([[-1, -1]], [[-1]], [[1, 1]], same)).code).toBe("SHAPE_MISMATCH");
    expect(thrown(() => importanceLogRatios([[-1]], [[-1]], [[0.5]], same)).message).toContain("mask[0][0] is 0.5");
  });

  it("property: equals the masked difference and is antisymmetric", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -20, max: 0, noNaN: true }), fc.double({ min: -20, max: 0, noNaN: true }), fc.constantFrom(0, 1)), { minLength: 1, maxLength: 8 }),
        (cells) => {
          const a = [cells.map((c) => c[0])];
          const b = [cells.map((c) => c[1])];
          const m = [cells.map((c) => c[2])];
          const ab = importanceLogRatios(a, b, m, same).logRatios.toFlatArray();
          const ba = importanceLogRatios(b, a, m, same).logRatios.toFlatArray();
          cells.forEach((c, k) => {
            expect(ab[k]).toBeCloseTo(c[2] * (c[0] - c[1]), 12);
            expect((ab[k] as number) + (ba[k] as number)).toBeCloseTo(0, 12);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
