import { RLError, gatherLogProbs, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { IGNORE_LABEL } from "./prm-layout.js";
import { type TensorLike2D, type TensorLike3D, asTensor, readValues, shapeOf, assertInputObject } from "./tensor-input.js";

/** Config of {@link prmStepLoss}. Defaults follow TRL's PRM trainer (hard labels, every step). */
export const prmStepLossConfig = z.object({
  /** `"hard"`: labels are 0/1 (anything else is an error); `"soft"`: labels are probabilities (Math-Shepherd SE, OpenRLHF). */
  mode: z.enum(["hard", "soft"]).default("hard"),
  /** Train on the last labelled position of each row only (TRL `train_on_last_step_only`). */
  lastStepOnly: z.boolean().default(false),
  /** Class order of the two logits: `"negPos"` = `[bad, good]` (TRL token classification), `"posNeg"` = `[+, −]` (OpenRLHF reward tokens). */
  order: z.enum(["negPos", "posNeg"]).default("negPos"),
});
export type PrmStepLossConfig = z.input<typeof prmStepLossConfig>;

/** Inputs of {@link prmStepLoss}: two-class logits `[B,T,2]` (or `[N,2]`) and labels `[B,T]` (or `[N]`), −100 = no label. */
export interface PrmStepLossInput {
  logits: TensorLike3D | TensorLike2D;
  labels: readonly (readonly number[])[] | readonly number[];
}

/**
 * Step-level PRM classification loss (Math-Shepherd arXiv:2312.08935; Lightman et al.
 * arXiv:2305.20050; TRL `PRMTrainer`, OpenRLHF `PRMLoss`): cross-entropy at the labelled step-end
 * positions only.
 *
 *   L = Σ_t M_t · CE(z_t, [1 − p_t, p_t]) / Σ_t M_t,   M_t = [label_t ≠ −100]
 *
 * With hard labels `p_t ∈ {0,1}` this is 2-class token classification; soft labels are the
 * BCE on `z_good − z_bad`. Computed as `CE = −(log p_bad + p·(z_good − z_bad))` with `log p_bad`
 * from core's fused `gatherLogProbs` (no `logSoftmax` temporaries). Metrics: `accuracy` = argmax matches `[p > ½]`, `labelled` count.
 * Edge cases: no labelled position → `INVALID_INPUT` (CE over zero tokens is NaN; skip the sample);
 * a non-0/1 label in hard mode → `INVALID_INPUT`.
 *
 * @example
 * prmStepLoss({ logits: [[0, 2], [1, 0]], labels: [1, 0] }).loss; // 0.2200949
 */
export function prmStepLoss(
  input: PrmStepLossInput,
  config: PrmStepLossConfig = {},
): { loss: tf.Tensor; metrics: { accuracy: number; labelled: number } } {
  const fn = "prmStepLoss";
  const cfg = parseConfig(prmStepLossConfig, config, fn);
  assertInputObject(input, fn, ["logits", "labels"]);
  const shape = shapeOf(input.logits as TensorLike3D);
  if ((shape.length !== 3 && shape.length !== 2) || shape[shape.length - 1] !== 2) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: logits must be [B,T,2] or [N,2], got [${shape.join(",")}]`);
  }
  const lead = shape.slice(0, -1);
  const labelShape = shapeOf(input.labels as TensorLike2D);
  if (labelShape.length !== lead.length || labelShape.some((d, k) => d !== lead[k])) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: labels has shape [${labelShape.join(",")}], logits needs [${lead.join(",")}]`);
  }
  const labels = readValues(input.labels as TensorLike2D, fn, "labels");
  const want = lead.reduce((a, d) => a * d, 1);
  if (labels.length !== want) throw new RLError("SHAPE_MISMATCH", `${fn}: labels is ragged (${labels.length} numbers for shape [${lead.join(",")}])`);
  const rowLen = lead.length === 2 ? (lead[1] as number) : labels.length;
  const mask = new Float32Array(labels.length);
  const target = new Float32Array(labels.length);
  for (let k = 0; k < labels.length; k++) {
    const v = labels[k] as number;
    if (v === IGNORE_LABEL) continue;
    if (cfg.mode === "hard" && v !== 0 && v !== 1) {
      throw new RLError("INVALID_INPUT", `${fn}: labels[${k}] is ${v}; hard mode takes 0, 1 or -100 (use mode "soft" for probabilities)`);
    }
    if (!(v >= 0 && v <= 1)) throw new RLError("INVALID_INPUT", `${fn}: labels[${k}] is ${v}; must be in [0, 1] or -100`);
    mask[k] = 1;
    target[k] = v;
  }
  if (cfg.lastStepOnly) {
    for (let start = 0; start < labels.length; start += rowLen) {
      let last = -1;
      for (let k = start; k < start + rowLen; k++) if (mask[k] === 1) last = k;
      for (let k = start; k < start + rowLen; k++) if (k !== last) mask[k] = 0;
    }
  }
  const labelled = mask.reduce((a, b) => a + b, 0);
  if (labelled === 0) throw new RLError("INVALID_INPUT", `${fn}: labels has no labelled position (skip samples without steps)`);
  const n = labels.length;
  const goodCol = cfg.order === "negPos" ? 1 : 0;
  const badCol = 1 - goodCol;
  const loss = tf.tidy(() => {
    const z = tf.reshape(asTensor(input.logits as TensorLike3D, shape.length, fn, "logits"), [n, 2]);
    // log p_bad from core's fused gatherLogProbs (one pass per row, hand-written backward), and
    // log p_good = log p_bad + (z_good − z_bad), so CE = −(log p_bad + p·(z_good − z_bad)).
    const logBad = gatherLogProbs(z, tf.fill([n], badCol, "int32"));
    const gap = tf.reshape(tf.sub(tf.slice(z, [0, goodCol], [n, 1]), tf.slice(z, [0, badCol], [n, 1])), [n]);
    const ce = tf.neg(tf.add(logBad, tf.mul(tf.tensor1d(target), gap)));
    return tf.div(tf.sum(tf.mul(ce, tf.tensor1d(mask))), labelled);
  });
  const z = readValues(input.logits as TensorLike3D, fn, "logits");
  let correct = 0;
  for (let k = 0; k < n; k++) {
    if (mask[k] !== 1) continue;
    const good = cfg.order === "negPos" ? (z[2 * k + 1] as number) : (z[2 * k] as number);
    const bad = cfg.order === "negPos" ? (z[2 * k] as number) : (z[2 * k + 1] as number);
    if (good > bad === (target[k] as number) > 0.5) correct += 1;
  }
  return { loss, metrics: { accuracy: correct / labelled, labelled } };
}
