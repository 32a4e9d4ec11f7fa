import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";
import { checkRewardBatch, type RewardTransform } from "./types.js";
import { requireText } from "../verifiable/require-text.js";

const CONFIDENCE = /Confidence:\s*(\d+(\.\d+)?)/i;

/**
 * Parses a verbalised confidence `Confidence: s` (0–10) as PPO-C does (docs/rewards/transforms.md):
 * regex `/Confidence:\s*(\d+(\.\d+)?)/i`, clamp to [0, 10], divide by 10. Missing → `null`
 * (PPO-C then uses the neutral 0.5). `text` is the response without the phrase (what the RM
 * should score).
 *
 * @example
 * parseVerbalizedConfidence("It is 4. Confidence: 7/10"); // { confidence: 0.7, text: "It is 4. /10" }
 * parseVerbalizedConfidence("Confidence: 12").confidence;  // 1
 * @remarks Leng et al., Taming Overconfidence in LLMs: Reward Calibration in RLHF (arXiv:2410.09724)
 */
export function parseVerbalizedConfidence(response: string): { confidence: number | null; text: string } {
  requireText(response, "parseVerbalizedConfidence", "response");
  const m = CONFIDENCE.exec(response);
  if (m === null) return { confidence: null, text: response };
  const s = Math.min(Math.max(Number(m[1]), 0), 10);
  return { confidence: s / 10, text: (response.slice(0, m.index) + response.slice(m.index + m[0].length)).trim() };
}

/** Config schema of {@link ppoCalibration} (zod; the defaults are the reference defaults). */
export const ppoCalibrationConfig = z.object({
  /** EMA rate of the running reward average Δr. */
  alpha: z.number().gt(0).max(1).default(0.1),
  /** Adjustment weight w. */
  weight: z.number().nonnegative().default(0.5),
  /** `threshold` (default) or `difference` (see the formula). */
  mode: z.enum(["threshold", "difference"]).default("threshold"),
  /** What the EMA tracks: the batch `mean` of rewards (default) or their (unbiased) `std`. */
  average: z.enum(["mean", "std"]).default("mean"),
  /** Rewards are clamped to `[−clampAbs, clampAbs]` first. */
  clampAbs: z.number().positive().default(10),
  /** Initial Δr (the RM's stored mean; 0 if unknown). */
  initialAverage: z.number().default(0),
});
/** Input type of `ppoCalibrationConfig` (every field optional where it has a default). */
export type PpoCalibrationConfig = z.input<typeof ppoCalibrationConfig>;

/**
 * PPO-C reward calibration against verbalised overconfidence (docs/rewards/transforms.md), a stateful
 * transform with state `{ average: Δr }`. Per batch:
 * 1. clamp `r` to `[−clampAbs, clampAbs]`;
 * 2. update `Δr ← α·mean(r) + (1 − α)·Δr` **before** use (`average: "std"` tracks `std(r)`);
 * 3. `threshold`: `adj = w·|r|·(ŝ − 0.5)`, `r̂ = r + adj` if `r ≥ Δr` else `r − adj`;
 *    `difference`: `r̂ = r + w·(r − Δr)·(ŝ − 0.5)`.
 * Confidences `ŝ ∈ [0, 1]` come from `context.confidences` (`null`/missing → 0.5, no adjustment).
 *
 * Defaults `α = 0.1`, `w = 0.5`, `threshold`, `mean`, clamp 10, Δr₀ = 0. `null` rewards pass
 * through and are left out of the average; a batch of only nulls leaves Δr unchanged.
 *
 * @example
 * const t = ppoCalibration();
 * t.update({ rewards: [2, -1], context: { confidences: [0.9, 0.8] } }, t.init());
 * // { output: [2.4, -1.15], state: { average: 0.05 } }
 * @remarks Leng et al., Taming Overconfidence in LLMs (arXiv:2410.09724)
 */
export function ppoCalibration(config: PpoCalibrationConfig = {}): RewardTransform<{ average: number }> {
  const c = parseConfig(ppoCalibrationConfig, config, "ppoCalibration");
  return {
    init: () => ({ average: c.initialAverage }),
    update: (input, state) => {
      if (state === null || typeof state !== "object" || !Number.isFinite(state.average)) {
        throw new RLError("INVALID_INPUT", "ppoCalibration: state must come from init() or a previous update()");
      }
      const rewards = checkRewardBatch(input.rewards, "ppoCalibration").map((r) =>
        r === null ? null : Math.min(Math.max(r, -c.clampAbs), c.clampAbs),
      );
      const conf = input.context?.confidences;
      if (conf !== undefined && conf.length !== rewards.length) {
        throw new RLError("SHAPE_MISMATCH", `ppoCalibration: context.confidences has ${conf.length} entries, rewards has ${rewards.length}`);
      }
      conf?.forEach((s, i) => {
        if (s !== null && !(s >= 0 && s <= 1)) throw new RLError("INVALID_INPUT", `ppoCalibration: context.confidences[${i}] is ${s}; expected a value in [0, 1] or null`);
      });
      const xs = rewards.filter((r): r is number => r !== null);
      let average = state.average;
      if (xs.length > 0) {
        const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
        const stat = c.average === "mean" ? mean : xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
        average = c.alpha * stat + (1 - c.alpha) * state.average;
      }
      const output = rewards.map((r, i) => {
        if (r === null) return null;
        const s = conf?.[i] ?? 0.5;
        if (c.mode === "difference") return r + c.weight * (r - average) * (s - 0.5);
        const adj = c.weight * Math.abs(r) * (s - 0.5);
        return r >= average ? r + adj : r - adj;
      });
      return { output, state: { average } };
    },
  };
}
