import { RLError, parseConfig } from "@rl/core";
import { z } from "zod";

/** Config of {@link warmupCosineSchedule}. */
export const warmupCosineScheduleConfig = z.object({
  /** Peak learning rate (reached at the end of warm-up). Required. */
  peakLearningRate: z.number().positive(),
  /** Linear warm-up steps. Default 0. */
  warmupSteps: z.number().int().min(0).default(0),
  /** Total steps; the cosine reaches `minLearningRate` here and stays there. Required. */
  totalSteps: z.number().int().positive(),
  /** Floor of the cosine. Default 0 (HF `get_cosine_schedule_with_warmup`). */
  minLearningRate: z.number().min(0).default(0),
});
export type WarmupCosineScheduleConfig = z.input<typeof warmupCosineScheduleConfig>;

/**
 * Linear warm-up then cosine decay (Loshchilov & Hutter, SGDR, arXiv:1608.03983; HF
 * `get_cosine_schedule_with_warmup`), a pure function of the step (0-based):
 *
 *   step < W:  lr = peak · step / max(W, 1)
 *   else:      p = min((step − W) / max(S − W, 1), 1),  lr = min + (peak − min) · ½(1 + cos(πp))
 *
 * Step 0 of a warm-up has lr 0 (as HF). Past `totalSteps` the rate stays at `min` (HF would rise
 * again — we clamp). Config is parsed once; the returned function throws on a negative step.
 *
 * @example
 * const lr = warmupCosineSchedule({ peakLearningRate: 1e-3, warmupSteps: 10, totalSteps: 110 });
 * lr(5); // 5e-4      lr(60); // 5e-4      lr(110); // 0
 * @remarks arXiv:1608.03983
 */
export function warmupCosineSchedule(config: WarmupCosineScheduleConfig): (step: number) => number {
  const { peakLearningRate: peak, warmupSteps: W, totalSteps: S, minLearningRate: min } = parseConfig(
    warmupCosineScheduleConfig,
    config,
    "warmupCosineSchedule",
  );
  if (min > peak) throw new RLError("INVALID_CONFIG", `warmupCosineSchedule: minLearningRate (${min}) exceeds peakLearningRate (${peak})`);
  return (step: number): number => {
    if (!(step >= 0)) throw new RLError("INVALID_INPUT", `warmupCosineSchedule: step must be ≥ 0, got ${step}`);
    if (step < W) return (peak * step) / Math.max(W, 1);
    const p = Math.min((step - W) / Math.max(S - W, 1), 1);
    return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * p));
  };
}
