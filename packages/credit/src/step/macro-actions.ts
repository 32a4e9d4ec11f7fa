import { Matrix, RLError, assertMask, createRng, parseConfig, type MatrixLike, describeValue } from "@rl/core/arrays";
import { z } from "zod";
import { sameShape, nonEmptyMask } from "../process/batch-checks.js";

const matrixLike = z.custom<MatrixLike>((v) => typeof v === "object" && v !== null, "expected a matrix");

/**
 * Where macro actions live in a row (`macroBoundaries`, `macroAggregate`, `macroGae`).
 * - `"valid"` (default): over the row's valid tokens; the last valid token is a macro action of
 *   its own; no macro action is empty (starts strictly increase).
 * - `"code"`: the MA-RLHF code's layout (ernie-research/MA-RLHF @ 807551d5, `ppo_trainer.py`
 *   `fixed_ngram_selection` / `randomized_ngram_selection` / `ppl_selection` and
 *   `modeling_macro_action`): boundaries over every position of the row, the last *position*
 *   (padding or not) a macro action of its own, duplicate boundaries kept. A macro action without
 *   valid tokens (empty, or padding only) has value and reward 0 and still takes a GAE step.
 */
export const macroLayout = z.enum(["valid", "code"]);

/** Config of {@link macroBoundaries}: one termination rule. */
export const macroBoundariesConfig = z.discriminatedUnion("rule", [
  /** Fixed n-gram: a macro action every `n` valid tokens (the code's `ngram`). */
  z.object({ rule: z.literal("fixed"), n: z.number().int().positive().default(5), layout: macroLayout.default("valid") }),
  /** Randomized n-gram: lengths from shuffling `lengths` repeated `repeatTimes`, seeded. */
  z.object({
    rule: z.literal("randomized"),
    seed: z.number().int(),
    repeatTimes: z.number().int().positive().default(1),
    lengths: z.array(z.number().int().positive()).nonempty().default([1, 2, 3, 5, 10]),
    layout: macroLayout.default("valid"),
  }),
  /** Perplexity: a macro action starts at i whenever `ppl_{i+1} > ppl_i` (`ppl` `[B][T]`, reference model). */
  z.object({ rule: z.literal("perplexity"), ppl: matrixLike, layout: macroLayout.default("valid") }),
  /** Separator / parse based: a macro action ends at every token with `isEnd[b][t] = 1`. */
  /** The code has no separator rule (its `parsing` needs a constituency parser): `layout` is `"valid"` only. */
  z.object({ rule: z.literal("separator"), isEnd: matrixLike, layout: z.literal("valid").default("valid") }),
]);
export type MacroBoundariesConfig = z.input<typeof macroBoundariesConfig>;

/**
 * MA-RLHF macro-action boundaries: for each row, the token indices where a macro action starts
 * (over the row's valid tokens; span m covers the valid tokens in `[starts[m], starts[m+1])`).
 * Every rule starts at the first valid token and, as in the reference, makes the final valid
 * token a macro action of its own.
 * - `fixed`: starts every n valid tokens; - `randomized`: span lengths drawn by shuffling
 *   `lengths × repeatTimes` with core's seeded `createRng`, the tail after the list is exhausted
 *   is one span; - `perplexity`: a start at valid position i when `ppl_{i+1} > ppl_i`;
 * - `separator`: a start after every token marked in `isEnd` (from a separator or a parse).
 *
 * Defaults: `fixed`, n = 5; randomized lengths `[1, 2, 3, 5, 10]`, `repeatTimes` 1,
 * `layout: "valid"`.
 * Deviations of the default layout from the code (ernie-research/MA-RLHF @ 807551d5): the code
 * appends a duplicate boundary (an empty macro action) when the length is ≡ 1 mod n, and makes
 * the row's last *position* (padding when the row is padded) the final macro action, so a padded
 * row's last valid token shares a macro action with its predecessors — ours dedupes and makes the
 * last valid token its own macro action. `layout: "code"` reproduces the code (boundaries over
 * every position `0..T−1`, the last one `T−1`, duplicates kept; conformance op
 * `advantage.macroGae`). Both layouts are per row: the code uses row 0's mask for every row of a
 * batch, which we do not reproduce.
 * Edge cases: a row without valid tokens has no macro action.
 * Paper: MA-RLHF, "Reinforcement Learning from Human Feedback with Macro Actions" (arXiv:2410.02743).
 *
 * @example
 * macroBoundaries([[1, 1, 1, 1, 1, 1, 1, 1]], { rule: "fixed", n: 3 }).starts; // [[0, 3, 6, 7]]
 */
export function macroBoundaries(mask: MatrixLike, config: MacroBoundariesConfig): { starts: number[][] } {
  const fn = "macroBoundaries";
  const cfg = parseConfig(macroBoundariesConfig, config, fn);
  const m = nonEmptyMask(mask, "mask", fn);
  assertMask(m, "mask", fn);
  const ppl = cfg.rule === "perplexity" ? sameShape(cfg.ppl, "ppl", m, "mask", fn) : undefined;
  const isEnd = cfg.rule === "separator" ? sameShape(cfg.isEnd, "isEnd", m, "mask", fn) : undefined;
  const rng = cfg.rule === "randomized" ? createRng(cfg.seed) : undefined;
  const starts: number[][] = [];
  for (let b = 0; b < m.rows; b++) {
    if (cfg.layout === "code") {
      starts.push(codeBoundaries(cfg, m, b, ppl, rng));
      continue;
    }
    const pos: number[] = [];
    for (let t = 0; t < m.cols; t++) if (m.get(b, t) !== 0) pos.push(t);
    const L = pos.length;
    if (L === 0) {
      starts.push([]);
      continue;
    }
    const cut = new Set<number>([0, L - 1]); // offsets into pos
    if (cfg.rule === "fixed") {
      for (let i = cfg.n; i < L - 1; i += cfg.n) cut.add(i);
    } else if (cfg.rule === "randomized") {
      let i = 0;
      for (const len of shuffledLengths(cfg, rng)) {
        i += len;
        if (i >= L - 1) break;
        cut.add(i);
      }
    } else if (cfg.rule === "perplexity") {
      const p = ppl as Matrix;
      for (let i = 0; i + 1 < L; i++) if (p.get(b, pos[i + 1] as number) > p.get(b, pos[i] as number)) cut.add(i);
    } else {
      const e = isEnd as Matrix;
      for (let i = 0; i + 1 < L; i++) if (e.get(b, pos[i] as number) !== 0) cut.add(i + 1);
    }
    starts.push([...cut].sort((x, y) => x - y).map((i) => pos[i] as number));
  }
  return { starts };
}

/** The randomized rule's span lengths: `lengths` repeated `repeatTimes`, shuffled with the seeded rng. */
function shuffledLengths(
  cfg: Extract<z.output<typeof macroBoundariesConfig>, { rule: "randomized" }>,
  rng: ReturnType<typeof createRng> | undefined,
): number[] {
  const pool: number[] = [];
  for (let r = 0; r < cfg.repeatTimes; r++) pool.push(...cfg.lengths);
  return (rng as NonNullable<typeof rng>).shuffle(pool);
}

/** The code's boundaries of row `b` (`layout: "code"`): positions `0..T−1`, duplicates kept, `T − 1` last. */
function codeBoundaries(
  cfg: Exclude<z.output<typeof macroBoundariesConfig>, { rule: "separator" }>,
  m: Matrix,
  b: number,
  ppl: Matrix | undefined,
  rng: ReturnType<typeof createRng> | undefined,
): number[] {
  const T = m.cols;
  const out: number[] = [];
  if (cfg.rule === "perplexity") {
    const p = ppl as Matrix;
    for (let i = 0; i + 1 < T; i++) if (p.get(b, i + 1) > p.get(b, i)) out.push(i);
    if (out[0] !== 0) out.unshift(0);
  } else {
    // fixed_ngram_selection / randomized_ngram_selection: count valid tokens, cut after the n-th.
    const lengths = cfg.rule === "fixed" ? undefined : shuffledLengths(cfg, rng);
    out.push(0);
    let count = 0;
    let k = 0;
    for (let i = 0; i + 1 < T; i++) {
      count += m.get(b, i);
      if (count === (lengths === undefined ? (cfg as { n: number }).n : lengths[k])) {
        out.push(i + 1);
        count = 0;
        if (lengths !== undefined && ++k === lengths.length) break;
      }
    }
  }
  out.push(T - 1);
  return out;
}

/**
 * Validates per-row macro starts against a mask; returns the spans as lists of valid token indices.
 * `"valid"` layout: starts begin at the first valid token and strictly increase, spans without a
 * valid token are dropped. `"code"` layout: starts begin at 0 and do not decrease, every span is kept.
 */
export function macroSpans(
  starts: readonly (readonly number[])[],
  mask: Matrix,
  fn: string,
  layout: z.output<typeof macroLayout> = "valid",
): number[][][] {
  if (!Array.isArray(starts)) {
    throw new RLError("INVALID_INPUT", `${fn}: starts is required (one list of macro-action start tokens per row; see macroBoundaries)`);
  }
  if (starts.length !== mask.rows) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: starts has ${starts.length} rows, mask has ${mask.rows}`);
  }
  const spans: number[][][] = [];
  for (let b = 0; b < mask.rows; b++) {
    const s = starts[b] as readonly number[];
    if (!Array.isArray(s)) throw new RLError("INVALID_INPUT", `${fn}: starts[${b}] must be an array of token indices`);
    const rowSpans: number[][] = [];
    let first = -1;
    for (let t = 0; t < mask.cols; t++) {
      if (mask.get(b, t) !== 0) {
        first = t;
        break;
      }
    }
    const code = layout === "code";
    if (code ? s.length > 0 && s[0] !== 0 : first >= 0 && s[0] !== first) {
      const where = code ? "position 0 (layout \"code\")" : `the first valid token ${first}`;
      throw new RLError("INVALID_INPUT", `${fn}: starts[${b}] must begin at ${where}, got ${describeValue(s[0])}`);
    }
    for (let m = 0; m < s.length; m++) {
      const from = s[m] as number;
      const to = m + 1 < s.length ? (s[m + 1] as number) : mask.cols;
      // `to` is checked here too (not only as the next `from`): the span loop below runs up to it,
      // and a start of 1e308 once ran it until V8 died with "invalid size".
      if (!Number.isInteger(from) || from < 0 || from >= mask.cols || !Number.isInteger(to) || to > mask.cols || (code ? to < from : to <= from)) {
        const order = code ? "non-decreasing" : "strictly increasing";
        throw new RLError("INVALID_INPUT", `${fn}: starts[${b}] must be ${order} token indices in [0, ${mask.cols})`);
      }
      const span: number[] = [];
      for (let t = from; t < to; t++) if (mask.get(b, t) !== 0) span.push(t);
      if (code || span.length > 0) rowSpans.push(span);
    }
    spans.push(rowSpans);
  }
  return spans;
}
