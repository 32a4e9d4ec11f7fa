import { z } from "zod";
import { parseConfig, parseInput } from "../config.js";
import { RLError } from "../errors.js";
import { describeSemantics, logProbSemanticsSchema, type LogProbBatch, type SampledToken, type TokenAlternative } from "./log-prob-batch.js";

/** The parts of a {@link LogProbBatch} this function reads (extra fields are kept as they are). */
const alternativeSchema = z.looseObject({ logProb: z.number().max(0) });
const batchSchema = z.object({
  semantics: logProbSemanticsSchema,
  sequences: z.array(z.looseObject({ tokens: z.array(z.looseObject({ logProb: z.number().max(0), topLogProbs: z.array(alternativeSchema) })) })),
});

/**
 * Config of {@link rescaleLogProbTemperature}: the target temperature τ' and how much
 * probability mass the returned alternatives may miss and still count as the full vocabulary
 * (default 1e-3: servers send float32 log-probs).
 */
export const rescaleLogProbTemperatureConfig = z.object({
  temperature: z.number().positive(),
  massTolerance: z.number().min(0).max(0.5).default(1e-3),
});
export type RescaleLogProbTemperatureConfig = z.input<typeof rescaleLogProbTemperatureConfig>;

/**
 * Re-expresses log-probs at another temperature τ', returning a batch whose semantics are
 * `processed` at τ' without truncation (what a trainer computes with a full-vocabulary
 * `logSoftmax(logits / τ')`).
 *
 * Raw log-probs are processed log-probs at τ = 1. With source temperature τ (1 for raw) and
 * `a = τ / τ'`, since `log p_τ(v) = z_v/τ − C`:
 *
 *   log p_τ'(v) = a · log p_τ(v) − logsumexp_u (a · log p_τ(u))
 *
 * which needs `log p_τ(u)` for every token u of the vocabulary. So:
 * - same distribution (τ' equals the source's effective temperature, no truncation) → the
 *   log-probs unchanged, semantics relabelled;
 * - otherwise every position's `topLogProbs` must hold the full distribution (their mass
 *   `Σ exp ≥ 1 − massTolerance`, e.g. vLLM with `--max-logprobs -1` and `logprobs: -1` on
 *   `/v1/completions`), else `RLError("INVALID_INPUT")` naming the sequence, the token and the
 *   mass found;
 * - processed log-probs after top-p / top-k truncation were renormalised over the kept set
 *   (the `log S` offset of vllm-project/vllm#42259): refused with `RLError("INVALID_INPUT")`,
 *   there is no way back to the full distribution.
 *
 * @example
 * // full distribution at τ = 1 over two tokens: log(0.8), log(0.2)
 * rescaleLogProbTemperature(batch, { temperature: 0.5 }); // sampled log(0.8) → log(0.64/0.68)
 */
export function rescaleLogProbTemperature(batch: LogProbBatch, config: RescaleLogProbTemperatureConfig): LogProbBatch {
  const fn = "rescaleLogProbTemperature";
  const { temperature, massTolerance } = parseConfig(rescaleLogProbTemperatureConfig, config, fn);
  parseInput(batchSchema, batch, fn, "batch");
  const s = logProbSemanticsSchema.parse(batch.semantics);
  const target = { kind: "processed" as const, temperature, topP: 1, topK: 0 };
  if (s.kind === "processed" && (s.topP < 1 || s.topK > 0)) {
    throw new RLError(
      "INVALID_INPUT",
      `${fn}: batch semantics ${describeSemantics(s)} were truncated and renormalised by top-p/top-k; the full-vocabulary distribution cannot be recovered`,
    );
  }
  const source = s.kind === "raw" ? 1 : s.temperature;
  if (Math.abs(source - temperature) <= 1e-12) return { sequences: batch.sequences, semantics: target };
  const a = source / temperature;
  const sequences = batch.sequences.map((seq, i) => ({
    ...seq,
    tokens: seq.tokens.map((tok, t): SampledToken => {
      const mass = tok.topLogProbs.reduce((acc, alt) => acc + Math.exp(alt.logProb), 0);
      if (mass < 1 - massTolerance) {
        throw new RLError(
          "INVALID_INPUT",
          `${fn}: sequences.${i}.tokens.${t}.topLogProbs cover probability mass ${mass.toFixed(6)} < 1 - ${massTolerance}; ` +
            `changing the temperature needs the full distribution (request every log-prob)`,
        );
      }
      const scaled = tok.topLogProbs.map((alt) => a * alt.logProb);
      const max = Math.max(...scaled);
      const lse = max + Math.log(scaled.reduce((acc, x) => acc + Math.exp(x - max), 0));
      const topLogProbs: TokenAlternative[] = tok.topLogProbs.map((alt, k) => ({ ...alt, logProb: (scaled[k] as number) - lse }));
      const logProb = a * tok.logProb - lse;
      if (!Number.isFinite(logProb) || topLogProbs.some((alt) => !Number.isFinite(alt.logProb))) {
        throw new RLError(
          "NON_FINITE",
          `${fn}: sequences.${i}.tokens.${t}: rescaling from τ=${source} to τ=${temperature} gives ${logProb}; the temperature ratio ${a} overflows (use a larger temperature)`,
        );
      }
      return { ...tok, logProb, topLogProbs };
    }),
  }));
  return { sequences, semantics: target };
}
