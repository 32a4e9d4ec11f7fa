import { parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import { checkInput, checkState } from "./fixed-kl-controller.js";
import type { KlController } from "./kl-controller.js";

/**
 * Config of {@link adaptiveKlController} (verl defaults): `initBeta` (0.001), `target` (0.1, the
 * KL to hold), `horizon` (10000, samples over which β may change by the full step).
 */
export const adaptiveKlControllerConfig = z.object({
  initBeta: z.number().nonnegative().default(0.001),
  target: z.number().positive().default(0.1),
  horizon: z.number().positive().default(10000),
});
export type AdaptiveKlControllerConfig = z.input<typeof adaptiveKlControllerConfig>;

/**
 * The adaptive KL controller (Ziegler et al., arXiv:1909.08593; verl `AdaptiveKLController`):
 *
 *   e = clip(KL / target − 1, −0.2, 0.2)        β ← β · (1 + e · steps / horizon)
 *
 * called once per batch with `steps = B`. A proportional controller: β grows while the measured KL
 * is above target and shrinks below it, by at most 20 % per `horizon` samples. Edge cases: a
 * non-finite KL throws `RLError("NON_FINITE")`; β = 0 stays 0.
 *
 * @example
 * const ctl = adaptiveKlController();                     // β = 0.001, target 0.1
 * ctl.update({ kl: 0.2, steps: 256 }, ctl.init()).state.beta; // 0.00100512
 */
export function adaptiveKlController(config: AdaptiveKlControllerConfig = {}): KlController {
  const { initBeta, target, horizon } = parseConfig(adaptiveKlControllerConfig, config, "adaptiveKlController");
  return {
    init: () => ({ beta: initBeta }),
    update(input, state) {
      checkInput(input, "adaptiveKlController.update");
      checkState(state, "adaptiveKlController.update");
      const error = Math.min(0.2, Math.max(-0.2, input.kl / target - 1));
      const beta = state.beta * (1 + (error * input.steps) / horizon);
      return { output: { beta }, state: { beta } };
    },
  };
}
