// Regression tests for issue 19 (bad input never corrupts).
import { RLError } from "@rl/core/arrays";
import { describe, expect, it } from "vitest";
import { adaptiveKlController, fixedKlController, gpgAdvantages, grpoAdvantages, macroAggregate, placeStepRewards } from "../../src/index.js";

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

describe("defect 2: masks outside {0, 1}", () => {
  it("placeStepRewards with a −1 in the mask → INVALID_INPUT (was Infinity)", () => {
    expectRLError(
      () => placeStepRewards({ stepRewards: [[1]], stepMask: [[1]], stepEnds: [[1]], mask: [[1, -1, 1]] }, { spread: "uniform" }),
      /mask\[0\]\[1\]/,
    );
    expectRLError(() => placeStepRewards(undefined as never), /input must be an object/);
  });
});

describe("defect 5: KL controllers reject malformed state", () => {
  it("adaptiveKlController().update({kl, steps}, {}) → RLError (β was NaN)", () => {
    expectRLError(() => adaptiveKlController().update({ kl: 0.2, steps: 256 }, {} as never), /state\.beta/);
    expectRLError(() => fixedKlController().update({ kl: 0.2, steps: 256 }, { beta: -1 }), /state\.beta/);
    const ctl = adaptiveKlController();
    const s = JSON.parse(JSON.stringify(ctl.update({ kl: 0.2, steps: 256 }, ctl.init()).state));
    expect(Number.isFinite(ctl.update({ kl: 0.2, steps: 256 }, s).state.beta)).toBe(true);
  });
});

describe("defect 6: overflow from finite inputs says so", () => {
  it("gpgAdvantages fNorm 1e-300 → NON_FINITE (was Infinity)", () => {
    const e = expectRLError(() => gpgAdvantages({ outcomes: [1, 0], mask: [[1], [1]], groups: [0, 0] }, { fNorm: 1e-300 }));
    expect(e.code).toBe("NON_FINITE");
  });
  it("grpoAdvantages float32 overflow names the dtype", () => {
    const batch = { outcomes: [1e39, 0], mask: [[1], [1]], groups: [0, 0] };
    expectRLError(() => grpoAdvantages(batch, { normalizeByStd: false }), /overflows the float32 output.*float64/);
    expect(grpoAdvantages(batch, { normalizeByStd: false, dtype: "float64" }).advantages.data[0]).toBeCloseTo(5e38, -30);
  });
});

describe("defect 10: macroAggregate with a huge start id", () => {
  it("[[0, 1e308, 6, 7]] → INVALID_INPUT (was a V8 fatal 'invalid size' crash)", () => {
    const values = [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]];
    const mask = [[1, 1, 1, 1, 1, 1, 1, 1]];
    expectRLError(() => macroAggregate(values, mask, [[0, 1e308, 6, 7]]), /starts\[0\]/);
    expectRLError(() => macroAggregate(values, mask, [[0, 100, 6, 7]]), /starts\[0\]/);
    expectRLError(() => macroAggregate(values, mask, [null as never]), /starts\[0\]/);
  });
});
