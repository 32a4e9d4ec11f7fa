import { describe, expect, it } from "vitest";
import { adaptiveKlController, fixedKlController, type KlControllerState } from "../../src/index.js";

describe("KL controllers (spec §8)", () => {
  it("adaptive: the worked example β' = 0.00100512", () => {
    const ctl = adaptiveKlController();
    const { state, output } = ctl.update({ kl: 0.2, steps: 256 }, ctl.init());
    expect(state.beta).toBeCloseTo(0.00100512, 12);
    expect(output).toEqual(state);
  });

  it("adaptive: the error is clipped to ±0.2 and β moves toward the target", () => {
    const ctl = adaptiveKlController({ initBeta: 1, target: 0.1, horizon: 100 });
    expect(ctl.update({ kl: 100, steps: 10 }, ctl.init()).state.beta).toBeCloseTo(1.02, 12);
    expect(ctl.update({ kl: 0, steps: 10 }, ctl.init()).state.beta).toBeCloseTo(0.98, 12);
    expect(ctl.update({ kl: 0.1, steps: 10 }, ctl.init()).state.beta).toBe(1);
    // the state is plain data: a loop threads it explicitly, nothing is hidden
    let s: KlControllerState = ctl.init();
    for (let i = 0; i < 10; i++) s = ctl.update({ kl: 0.5, steps: 10 }, s).state;
    expect(s.beta).toBeCloseTo(1.02 ** 10, 10);
    expect(ctl.init()).toEqual({ beta: 1 });
  });

  it("fixed: β never changes", () => {
    const ctl = fixedKlController({ beta: 0.05 });
    expect(ctl.update({ kl: 3, steps: 256 }, ctl.init()).state.beta).toBe(0.05);
    expect(fixedKlController().init().beta).toBe(0.001);
  });

  it("bad input is a clear error", () => {
    const ctl = adaptiveKlController();
    expect(() => ctl.update({ kl: NaN, steps: 1 }, ctl.init())).toThrow("adaptiveKlController.update: kl is NaN; expected a finite number");
    expect(() => fixedKlController().update({ kl: 0, steps: -1 }, { beta: 1 })).toThrow(/steps is -1/);
    expect(() => adaptiveKlController({ target: 0 })).toThrow(/invalid config/);
  });
});
