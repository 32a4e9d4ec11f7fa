import { RLError, assertState, parseConfig, describeValue } from "@rl/core/arrays";
import { z } from "zod";
import type { KlController, KlControllerInput } from "./kl-controller.js";

/** Config of {@link fixedKlController}: `beta` (0.001, verl `kl_ctrl.kl_coef`). */
export const fixedKlControllerConfig = z.object({
  beta: z.number().nonnegative().default(0.001),
});
export type FixedKlControllerConfig = z.input<typeof fixedKlControllerConfig>;

/**
 * The fixed KL controller (verl `FixedKLController`, the default `kl_ctrl.type="fixed"`):
 * β never changes. `update` still validates its input so swapping in the adaptive controller
 * cannot surface a latent bug.
 *
 * @example
 * const ctl = fixedKlController({ beta: 0.05 });
 * ctl.update({ kl: 0.3, steps: 256 }, ctl.init()).state.beta; // 0.05
 * @remarks Mirrors verl `FixedKLController` (verl/trainer/ppo/core_algos.py); a fixed β is the baseline of Ziegler et al., arXiv:1909.08593.
 */
export function fixedKlController(config: FixedKlControllerConfig = {}): KlController {
  const { beta } = parseConfig(fixedKlControllerConfig, config, "fixedKlController");
  return {
    init: () => ({ beta }),
    update(input, state) {
      checkInput(input, "fixedKlController.update");
      checkState(state, "fixedKlController.update");
      return { output: { beta: state.beta }, state: { beta: state.beta } };
    },
  };
}

/** Validates a controller state (a finite β ≥ 0), e.g. one restored from JSON. */
export function checkState(state: unknown, fn: string): void {
  assertState(state, fn, { beta: "finite" });
  if ((state as { beta: number }).beta < 0) throw new RLError("INVALID_INPUT", `${fn}: state.beta must be ≥ 0, got ${(state as { beta: number }).beta}`);
}

/** Validates a controller input (finite KL, positive step count). */
export function checkInput(input: KlControllerInput, fn: string): void {
  if (typeof input !== "object" || input === null) throw new RLError("INVALID_INPUT", `${fn}: input must be { kl, steps }`);
  if (typeof input.kl !== "number" || !Number.isFinite(input.kl)) {
    throw new RLError("NON_FINITE", `${fn}: kl is ${describeValue(input.kl)}; expected a finite number`);
  }
  if (typeof input.steps !== "number" || !Number.isFinite(input.steps) || input.steps < 0) {
    throw new RLError("INVALID_INPUT", `${fn}: steps is ${describeValue(input.steps)}; expected a non-negative number`);
  }
}
