import { z } from "zod";
import { parseConfig } from "@rl/core/arrays";
import { requireText } from "./require-text.js";

/** Index of the brace closing the first `{` at or after `from`, or -1 (unbalanced / none). */
function matchBraces(s: string, from: number): number {
  let open = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === "{") open++;
    else if (c === "}") {
      open--;
      if (open === 0) return i;
    }
  }
  return -1;
}

/** Config schema of {@link extractLastBoxed} (zod; the defaults are the reference defaults). */
export const extractLastBoxedConfig = z.object({
  /** Accept the space form `\boxed 5` (content up to the next whitespace or `$`). */
  allowBoxedSpace: z.boolean().default(true),
  /** Accept `\fbox{…}` as a box. */
  allowFbox: z.boolean().default(true),
});
/** Input type of `extractLastBoxedConfig` (every field optional where it has a default). */
export type ExtractLastBoxedConfig = z.input<typeof extractLastBoxedConfig>;

/**
 * The content of the last `\boxed{…}` in a text, with brace matching (docs/rewards/verifiable.md).
 *
 * Looks for the right-most box command: `\boxed{…}`, and, when allowed, `\fbox{…}` and the space
 * form `\boxed 5` (the content runs to the next whitespace or `$`). Defaults: both allowed.
 *
 * Edge cases: no box → `null`; unbalanced braces → `null`; an empty box → `""`.
 * verl's own (quirkier) extraction lives in {@link verlMathReward}.
 *
 * @example
 * extractLastBoxed("First \\boxed{1}, finally \\boxed{\\frac{1}{2}}."); // "\\frac{1}{2}"
 * extractLastBoxed("\\boxed{1");                                       // null
 * @remarks Hendrycks et al., MATH (arXiv:2103.03874)
 */
export function extractLastBoxed(text: string, config: ExtractLastBoxedConfig = {}): string | null {
  requireText(text, "extractLastBoxed", "text");
  const { allowBoxedSpace, allowFbox } = parseConfig(extractLastBoxedConfig, config, "extractLastBoxed");
  const pattern = allowFbox ? /\\(?:boxed|fbox)(?![A-Za-z])/g : /\\boxed(?![A-Za-z])/g;
  const starts = [...text.matchAll(pattern)];
  for (let k = starts.length - 1; k >= 0; k--) {
    const m = starts[k]!;
    const at = (m.index as number) + m[0].length;
    const rest = text.slice(at);
    const brace = /^\s*\{/.exec(rest);
    if (brace !== null) {
      const open = at + brace[0].length - 1;
      const close = matchBraces(text, open);
      return close < 0 ? null : text.slice(open + 1, close);
    }
    if (allowBoxedSpace && m[0] === "\\boxed") {
      const space = /^[ \t]+([^\s$]+)/.exec(rest);
      if (space !== null) return space[1] as string;
    }
  }
  return null;
}

/** verl `math_reward.last_boxed_only_string`, quirks included (internal). */
export function verlLastBoxedString(s: string): string | null {
  if (s.includes("\\boxed ")) {
    const parts = s.split("\\boxed ");
    return "\\boxed " + ((parts[parts.length - 1] as string).split("$")[0] as string);
  }
  let idx = s.lastIndexOf("\\boxed");
  if (idx < 0) {
    idx = s.lastIndexOf("\\fbox");
    if (idx < 0) return null;
  }
  const close = matchBraces(s, idx);
  return close < 0 ? null : s.slice(idx, close + 1);
}

/** verl `math_reward.remove_boxed`: `null` where the reference's asserts fail (internal). */
export function verlRemoveBoxed(s: string): string | null {
  if (s.includes("\\boxed ")) return s.startsWith("\\boxed ") ? s.slice("\\boxed ".length) : null;
  if (!s.startsWith("\\boxed{") || !s.endsWith("}")) return null;
  return s.slice("\\boxed{".length, -1);
}

/** verl `math_dapo.last_boxed_only_string` + `remove_boxed`: only `\boxed{` counts (internal). */
export function dapoLastBoxedContent(s: string): string | null {
  const idx = s.lastIndexOf("\\boxed{");
  if (idx < 0) return null;
  const close = matchBraces(s, idx);
  return close < 0 ? null : s.slice(idx + "\\boxed{".length, close);
}
