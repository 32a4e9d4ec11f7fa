import type { Stateful } from "@rl/core/arrays";

/** State of a KL controller: the current coefficient β. */
export interface KlControllerState {
  readonly beta: number;
}

/** One controller step's input: the measured KL of the batch and the number of samples in it. */
export interface KlControllerInput {
  /** Measured KL (e.g. `klPenalizedRewards(...).meanKl`). */
  readonly kl: number;
  /** Samples in the batch (verl passes the batch size B). */
  readonly steps: number;
}

/** A KL controller: an explicit `init` / `update` pair over `{ beta }` (output: the new β). */
export type KlController = Stateful<KlControllerState, KlControllerInput, KlControllerState>;
