import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";
import { requireText } from "./require-text.js";

/** Outcome of running code against tests in a sandbox. */
export interface CodeExecutionResult {
  passed: number;
  total: number;
  status: "ok" | "compile_error" | "runtime_error" | "timeout";
}

/**
 * A sandboxed code runner (docs/rewards/verifiable.md): runs `code` against `tests` under time and memory
 * limits, without network. Execution is out of scope of `@rl/rewards`: plug in a sandbox service or a
 * local container runner.
 */
export interface CodeExecutor {
  run(code: string, tests: readonly unknown[], limits: { timeMs: number; memMb: number }): Promise<CodeExecutionResult>;
}

/** Config schema of {@link codeExecutionReward} (zod; the defaults are the reference defaults). */
export const codeExecutionRewardConfig = z.object({
  executor: z.custom<CodeExecutor>((v) => typeof v === "object" && v !== null && typeof (v as CodeExecutor).run === "function", "an object with run(code, tests, limits)"),
  /** `all`: 1 iff every test passes (binary); `fraction`: passed / total (partial credit). */
  mode: z.enum(["all", "fraction"]).default("all"),
  /** Fenced-block language to extract (```python … ```); the last matching block is run. null = the whole completion. */
  language: z.string().nullable().default("python"),
  timeMs: z.number().int().positive().default(10_000),
  memMb: z.number().int().positive().default(1024),
});
/** Input type of `codeExecutionRewardConfig` (every field optional where it has a default). */
export type CodeExecutionRewardConfig = z.input<typeof codeExecutionRewardConfig>;

/**
 * Code-execution reward (docs/rewards/verifiable.md): the last fenced code block of the completion (in
 * `language`) is run by the `executor` against `tests`; reward `1` if all tests pass (`mode: "all"`) or
 * the fraction passed (`"fraction"`). Compile / runtime error or timeout → 0; no code block → 0;
 * no tests (`total = 0`) → `null` (no signal). An executor that throws is an error, not a 0.
 *
 * @example
 * const executor = { run: async () => ({ passed: 3, total: 4, status: "ok" as const }) };
 * await codeExecutionReward("```python\nprint(1)\n```", [1, 2, 3, 4], { executor, mode: "fraction" }); // { reward: 0.75, ... }
 * @remarks verl `sandbox_fusion` / `prime_code` routing; Le et al., CodeRL (arXiv:2207.01780)
 */
export async function codeExecutionReward(
  completion: string,
  tests: readonly unknown[],
  config: CodeExecutionRewardConfig,
): Promise<{ reward: number | null; code: string | null; result: CodeExecutionResult | null }> {
  requireText(completion, "codeExecutionReward", "completion");
  const { executor, mode, language, timeMs, memMb } = parseConfig(codeExecutionRewardConfig, config, "codeExecutionReward");
  if (!Array.isArray(tests)) throw new RLError("INVALID_INPUT", "codeExecutionReward: tests must be an array");
  let code: string | null = completion;
  if (language !== null) {
    const esc = language.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const blocks = [...completion.matchAll(new RegExp("```" + esc + "[^\\S\\n]*\\n([\\s\\S]*?)```", "gi"))];
    code = blocks.length > 0 ? (blocks[blocks.length - 1]![1] as string) : null;
  }
  if (code === null || code.trim().length === 0) return { reward: 0, code: null, result: null };
  const result = await executor.run(code, tests, { timeMs, memMb });
  if (!Number.isInteger(result.passed) || !Number.isInteger(result.total) || result.passed < 0 || result.passed > result.total) {
    throw new RLError("PLUGIN_OUTPUT", `codeExecutionReward: executor returned passed=${result.passed}, total=${result.total}`);
  }
  if (result.status !== "ok") return { reward: 0, code, result };
  if (result.total === 0) return { reward: null, code, result };
  const reward = mode === "all" ? (result.passed === result.total ? 1 : 0) : result.passed / result.total;
  return { reward, code, result };
}
