import { Matrix, assertMask, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { nonEmptyMatrix, sameShape } from "../process/batch-checks.js";
import { macroLayout, macroSpans } from "./macro-actions.js";
import { outputDtype, outputMatrix } from "../output.js";
import { requireObject } from "../args.js";

/** How token values inside a macro action are weighted (`value_function` in MA-RLHF). */
export const macroWeighting = z.enum(["equal", "unit", "position"]);

/** Config of {@link macroAggregate}. */
export const macroAggregateConfig = z.object({
  /** `"equal"`: mean; `"unit"`: the last token; `"position"`: ∝ 1/(k+1), normalised. Default `"equal"`. */
  weighting: macroWeighting.default("equal"),
  /** How `starts` tile the row (see `macroLayout`). Default `"valid"`; `"code"` keeps empty macro actions (value 0). */
  layout: macroLayout.default("valid"),
});
export type MacroAggregateConfig = z.input<typeof macroAggregateConfig>;

/** The weights σ of a macro action of `n` valid tokens (`n = 0`: none, so the macro quantity is 0). */
function weights(n: number, weighting: z.output<typeof macroWeighting>): number[] {
  if (weighting === "unit") return Array.from({ length: n }, (_, k) => (k === n - 1 ? 1 : 0));
  if (weighting === "equal") return Array.from({ length: n }, () => 1 / n);
  const raw = Array.from({ length: n }, (_, k) => 1 / (k + 1));
  const s = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / s);
}

function aggregate(x: Matrix, spans: number[][][], weighting: z.output<typeof macroWeighting>) {
  const M = Math.max(0, ...spans.map((s) => s.length));
  const values = Matrix.zeros([x.rows, M]);
  const macroMask = Matrix.zeros([x.rows, M]);
  spans.forEach((rowSpans, b) => {
    rowSpans.forEach((span, m) => {
      const w = weights(span.length, weighting);
      let v = 0;
      span.forEach((t, k) => (v += (w[k] as number) * x.get(b, t)));
      values.set(b, m, v);
      macroMask.set(b, m, 1);
    });
  });
  return { values, macroMask };
}

/**
 * Aggregates token values (values or rewards) per macro action: `X_τ = Σ_i σ_i x_{t_τ+i}`.
 * `starts` as returned by `macroBoundaries`. Output `[B][M]` padded with 0, plus `macroMask`.
 *
 * Defaults: `weighting: "equal"`, `layout: "valid"`. Edge cases: a row without valid tokens has
 * no macro action; starts that do not begin at the first valid token or do not increase throw
 * `RLError`. With `layout: "code"` every span of `starts` is a macro action, an empty one (no
 * valid token) has the value 0, as the MA-RLHF code's `modeling_macro_action`.
 * Paper: MA-RLHF (arXiv:2410.02743).
 *
 * @example
 * macroAggregate([[0.1, 0.2, 0.3, 0.4]], [[1, 1, 1, 1]], [[0, 3]], { weighting: "position" })
 *   .values.toArray(); // [[0.1636364, 0.4]]
 */
export function macroAggregate(
  x: MatrixLike,
  mask: MatrixLike,
  starts: readonly (readonly number[])[],
  config: MacroAggregateConfig = {},
): { values: Matrix; macroMask: Matrix } {
  const fn = "macroAggregate";
  const { weighting, layout } = parseConfig(macroAggregateConfig, config, fn);
  const xm = nonEmptyMatrix(x, "x", fn);
  const m = sameShape(mask, "mask", xm, "x", fn);
  assertMask(m, "mask", fn);
  return aggregate(xm, macroSpans(starts, m, fn, layout), weighting);
}

/** Config of {@link macroGae}. */
export const macroGaeConfig = z.object({
  /** Discount per macro action. Default 1 (DeepSpeed-Chat). */
  gamma: z.number().min(0).max(1).default(1),
  /** GAE λ. Default 0.95. */
  lambda: z.number().min(0).max(1).default(0.95),
  /** Aggregation of values and rewards inside a macro action. Default `"equal"`. */
  weighting: macroWeighting.default("equal"),
  /** How `starts` tile the row (see `macroLayout`). Default `"valid"`; `"code"` is the MA-RLHF code's. */
  layout: macroLayout.default("valid"),
  /**
   * Storage of `advantages`, `returns` `[B][T]` and of their per-macro-step forms
   * `macroAdvantages`, `macroReturns`, `macroMask` `[B][M]` (see `outputDtype`); `"float64"` keeps
   * every bit of the float64 arithmetic. Default `"float32"`.
   */
  dtype: outputDtype,
});
export type MacroGaeConfig = z.input<typeof macroGaeConfig>;

/** Input of {@link macroGae}. */
export interface MacroGaeInput {
  /** `[B][T]` critic values per token. */
  values: MatrixLike;
  /** `[B][T]` token rewards (KL tokens + the score on the last token). */
  tokenRewards: MatrixLike;
  /** `[B][T]` response tokens. */
  mask: MatrixLike;
  /** Per-row macro starts (from `macroBoundaries`). */
  starts: readonly (readonly number[])[];
}

/**
 * MA-RLHF macro-action GAE: values and rewards are aggregated per macro action with the same
 * weights σ, GAE runs over macro steps, `δ_τ = R_τ + γ·V_{τ+1} − V_τ` (`V_M = 0`),
 * `Â_τ = δ_τ + γλ·Â_{τ+1}`, `returns_τ = Â_τ + V_τ`; every token of τ gets `Â_τ` and `returns_τ`.
 * No whitening. `macroValues` / `macroRewards` are the aggregated `V_τ` / `R_τ`.
 *
 * Defaults: γ = 1, λ = 0.95, `weighting: "equal"` (rewards are averaged inside a span, so
 * per-token KL shrinks with the span length — the reference's behaviour), `dtype: "float32"`
 * (the aggregation and the recurrence run on float64; every output entry is rounded once on
 * store and never read back).
 * Edge cases: padding is 0; a row without valid tokens is all 0; shapes must match.
 * The MA-RLHF code (ernie-research/MA-RLHF @ 807551d5, `get_advantages_and_returns` over
 * `modeling_macro_action`) is reproduced with `layout: "code"` on both `macroBoundaries` and
 * `macroGae` (conformance op `advantage.macroGae`): an empty macro action then takes a GAE step
 * with `V = R = 0`. Not reproduced, being plain bugs: with more than one row the code pools the
 * macro quantities across rows and uses row 0's boundaries for every row (ours are per row), and
 * its `weighting: "unit"` raises an `IndexError` (ours takes the last valid token).
 * Paper: MA-RLHF (arXiv:2410.02743).
 *
 * @example
 * const mask = [[1, 1, 1, 1, 1, 1, 1, 1]];
 * const { starts } = macroBoundaries(mask, { rule: "fixed", n: 3 });
 * macroGae({ values: [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]],
 *   tokenRewards: [[-0.01, -0.01, -0.01, -0.01, -0.01, -0.01, -0.01, 0.99]], mask, starts })
 *   .macroAdvantages.toArray(); // [[0.714626, 0.446975, 0.2705, 0.19]]
 */
export function macroGae(
  input: MacroGaeInput,
  config: MacroGaeConfig = {},
): {
  advantages: Matrix;
  returns: Matrix;
  macroAdvantages: Matrix;
  macroReturns: Matrix;
  macroValues: Matrix;
  macroRewards: Matrix;
  macroMask: Matrix;
} {
  const fn = "macroGae";
  const { gamma, lambda, weighting, layout, dtype } = parseConfig(macroGaeConfig, config, fn);
  requireObject(input, "input", fn);
  const v = nonEmptyMatrix(input.values, "values", fn);
  const r = sameShape(input.tokenRewards, "tokenRewards", v, "values", fn);
  const mask = sameShape(input.mask, "mask", v, "values", fn);
  assertMask(mask, "mask", fn);
  const spans = macroSpans(input.starts, mask, fn, layout);
  const V = aggregate(v, spans, weighting);
  const Rw = aggregate(r, spans, weighting).values;
  const M = V.values.cols;
  const macroAdvantages = Matrix.zeros([v.rows, M], dtype);
  const macroReturns = Matrix.zeros([v.rows, M], dtype);
  const advantages = Matrix.zeros([v.rows, v.cols], dtype);
  const returns = Matrix.zeros([v.rows, v.cols], dtype);
  for (let b = 0; b < v.rows; b++) {
    const rowSpans = spans[b] as number[][];
    let gae = 0;
    let nextV = 0;
    for (let m = rowSpans.length - 1; m >= 0; m--) {
      const vm = V.values.get(b, m);
      const delta = Rw.get(b, m) + gamma * nextV - vm;
      gae = delta + gamma * lambda * gae;
      macroAdvantages.set(b, m, gae);
      macroReturns.set(b, m, gae + vm);
      for (const t of rowSpans[m] as number[]) {
        advantages.set(b, t, gae);
        returns.set(b, t, gae + vm);
      }
      nextV = vm;
    }
  }
  // aggregate() builds float64
  const macroMask = outputMatrix(V.macroMask.data as Float64Array, V.macroMask.shape, dtype);
  const macroValues = outputMatrix(V.values.data as Float64Array, V.values.shape, dtype);
  const macroRewards = outputMatrix(Rw.data as Float64Array, Rw.shape, dtype);
  return { advantages, returns, macroAdvantages, macroReturns, macroValues, macroRewards, macroMask };
}
