export type { DroppedRow, SelectionResult } from "./types.js";
export * from "./dynamic-sampling.js";
export * from "./pf-ppo.js";
export * from "./prompt-curriculum.js";
export * from "./reward-ranked.js";
