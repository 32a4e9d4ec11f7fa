import { rlErrorCode } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adaptiveEntropyController } from "../../src/index.js";

describe("adaptiveEntropyController (TRL use_adaptive_entropy)", () => {
  it("starts at initCoef and steps by delta toward more bonus below target, less above", () => {
    const ctl = adaptiveEntropyController({ initCoef: 0.01 });
    let state = ctl.init();
    expect(state).toEqual({ coef: 0.01, lastEntropy: null });
    // window: Σ H·M = 15 over 100 tokens → H̄ = 0.15 ≤ 0.2 → 0.01 + 0.005
    let step = ctl.update({ entropySum: 15, tokenCount: 100 }, state);
    expect(step.output.coef).toBeCloseTo(0.015, 12);
    expect(step.output.entropy).toBeCloseTo(0.15, 12);
    state = step.state;
    // H̄ = 0.5 > 0.2 → 0.015 − 0.005
    step = ctl.update({ entropy: 0.5 }, state);
    expect(step.output.coef).toBeCloseTo(0.01, 12);
    // exactly at target counts as collapsed (≤), as in TRL
    expect(ctl.update({ entropy: 0.2 }, step.state).output.coef).toBeCloseTo(0.015, 12);
    // the input state is not mutated
    expect(state.coef).toBeCloseTo(0.015, 12);
  });

  it("clamps to [minCoef, maxCoef] and treats an empty window as Σ M = 1", () => {
    const ctl = adaptiveEntropyController({ initCoef: 0, maxCoef: 0.012, delta: 0.005 });
    let s = ctl.init();
    for (let i = 0; i < 5; i++) s = ctl.update({ entropy: 0 }, s).state;
    expect(s.coef).toBe(0.012);
    for (let i = 0; i < 5; i++) s = ctl.update({ entropy: 3 }, s).state;
    expect(s.coef).toBe(0);
    expect(ctl.update({ entropySum: 0, tokenCount: 0 }, s).output.entropy).toBe(0);
  });

  it("stays within its range for any entropy sequence (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { maxLength: 60 }), (hs) => {
        const ctl = adaptiveEntropyController({ initCoef: 0.02, minCoef: 0.01, maxCoef: 0.05 });
        let s = ctl.init();
        for (const h of hs) {
          const next = ctl.update({ entropy: h }, s).state;
          expect(Math.abs(next.coef - s.coef)).toBeLessThanOrEqual(0.005 + 1e-15);
          expect(next.coef).toBeGreaterThanOrEqual(0.01);
          expect(next.coef).toBeLessThanOrEqual(0.05);
          s = next;
        }
      }),
    );
  });

  it("rejects bad configs and windows", () => {
    expect(rlErrorCode(() => adaptiveEntropyController({ minCoef: 0.5, maxCoef: 0.1 }))).toBe("INVALID_CONFIG");
    expect(rlErrorCode(() => adaptiveEntropyController({ initCoef: 2 }))).toBe("INVALID_CONFIG");
    expect(rlErrorCode(() => adaptiveEntropyController({ target: 0 }))).toBe("INVALID_CONFIG");
    const ctl = adaptiveEntropyController();
    expect(rlErrorCode(() => ctl.update({ entropy: Number.NaN }, ctl.init()))).toBe("NON_FINITE");
    expect(rlErrorCode(() => ctl.update({ entropySum: 1, tokenCount: -1 }, ctl.init()))).toBe("INVALID_INPUT");
    expect(rlErrorCode(() => ctl.update({ entropySum: Number.POSITIVE_INFINITY, tokenCount: 3 }, ctl.init()))).toBe("NON_FINITE");
  });
});
