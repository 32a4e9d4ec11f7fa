import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";
import { mathAnswerReward, mathAnswerRewardConfig, type MathAnswerRewardResult } from "./math-reward.js";
import { normalizeMathAnswer } from "./math-equivalence.js";
import { extractLastBoxed } from "./boxed.js";
import { requireText } from "./require-text.js";

/**
 * An asynchronous symbolic-equivalence backend (a CAS in a worker thread, a remote service):
 * `true` / `false`, or `null` when undecided. It should honour `signal` (aborted on timeout).
 */
export interface AsyncEquivalence {
  equal(pred: string, gold: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<boolean | null>;
}

/** Config schema of {@link mathAnswerRewardAsync} (zod; the defaults are the reference defaults). */
export const mathAnswerRewardAsyncConfig = mathAnswerRewardConfig.omit({ symbolic: true }).extend({
  /** The async stage-3 backend, consulted only when stages 1–2 cannot decide. */
  equivalence: z.custom<AsyncEquivalence>((v) => typeof v === "object" && v !== null && typeof (v as AsyncEquivalence).equal === "function", "an object with equal(pred, gold, options)").optional(),
  /** Time budget of one backend call; on timeout the answer counts as undecided (incorrect). */
  timeoutMs: z.number().int().positive().default(5000),
});
/** Input type of `mathAnswerRewardAsyncConfig` (every field optional where it has a default). */
export type MathAnswerRewardAsyncConfig = z.input<typeof mathAnswerRewardAsyncConfig>;

/**
 * {@link mathAnswerReward} with an asynchronous symbolic backend and a timeout (docs/rewards/verifiable.md;
 * TRL/math_verify use 5 s to verify). Stages 1–2 run first; only answers they cannot decide go to
 * `equivalence.equal(pred, gold, { timeoutMs, signal })` (normalised plain-text forms). A timeout,
 * a backend error or `null` counts as not equal, reported in `debug.symbolic` (`"timeout"`,
 * `"error"`, `"undecided"`). JavaScript cannot interrupt synchronous work: run a CPU-bound CAS in a
 * worker thread and stop it when `signal` aborts.
 *
 * @example
 * const equivalence = { equal: async (a, b) => a.replace(/\s/g, "") === b.replace(/\s/g, "") };
 * await mathAnswerRewardAsync("\\boxed{2x+1}", "2x + 1", { equivalence }); // reward 1 (stage "string" already)
 * @remarks PRM800K grader (arXiv:2305.20050)
 */
export async function mathAnswerRewardAsync(
  completion: string,
  gold: string,
  config: MathAnswerRewardAsyncConfig = {},
): Promise<Omit<MathAnswerRewardResult, "debug"> & { debug: Omit<MathAnswerRewardResult["debug"], "symbolic"> & { symbolic: string | null } }> {
  requireText(completion, "mathAnswerRewardAsync", "completion");
  requireText(gold, "mathAnswerRewardAsync", "gold");
  const { equivalence, timeoutMs, ...rest } = parseConfig(mathAnswerRewardAsyncConfig, config, "mathAnswerRewardAsync");
  const sync = mathAnswerReward(completion, gold, rest);
  if (equivalence === undefined || sync.debug.symbolic !== "unavailable" || sync.extracted === null) return sync;
  const goldAnswer = (extractLastBoxed(gold) ?? gold).trim();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new RLError("TIMEOUT", `mathAnswerRewardAsync: symbolic check exceeded ${timeoutMs} ms`));
      resolve("timeout");
    }, timeoutMs);
  });
  let verdict: boolean | null | "timeout" | "error";
  try {
    verdict = await Promise.race([
      equivalence.equal(normalizeMathAnswer(sync.extracted), normalizeMathAnswer(goldAnswer), { timeoutMs, signal: controller.signal }),
      timeout,
    ]);
  } catch {
    verdict = "error";
  } finally {
    clearTimeout(timer);
  }
  const equal = verdict === true;
  const symbolic = verdict === true || verdict === false ? "used" : verdict === null ? "undecided" : verdict;
  return {
    reward: equal ? rest.correct : rest.incorrect,
    extracted: sync.extracted,
    debug: { ...sync.debug, stage: "symbolic", symbolic },
  };
}
