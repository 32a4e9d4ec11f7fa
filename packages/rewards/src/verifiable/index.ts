export { extractLastBoxed, extractLastBoxedConfig, type ExtractLastBoxedConfig } from "./boxed.js";
export { stripMathString, hendrycksEquivalent } from "./hendrycks-normalize.js";
export {
  verlMathReward,
} from "./verl-math.js";
export {
  type MinervaVerlConfig,
  minervaVerlConfig,
  type MinervaVerlResult,
  minervaVerlReward,
  normalizeFinalAnswer,
} from "./minerva.js";
export {
  type Gsm8kConfig,
  gsm8kConfig,
  gsm8kReward,
  type Gsm8kVerlConfig,
  gsm8kVerlConfig,
  gsm8kVerlReward,
} from "./gsm8k.js";
export {
  extractMathAnswer,
  type ExtractMathAnswerConfig,
  extractMathAnswerConfig,
  type MathAnswerSource,
} from "./math-answer.js";
export {
  mathAnswersEqual,
  type MathAnswersEqualConfig,
  mathAnswersEqualConfig,
  type MathEquivalenceResult,
  normalizeMathAnswer,
  type SymbolicEquivalence,
} from "./math-equivalence.js";
export {
  mathAnswerReward,
  type MathAnswerRewardConfig,
  mathAnswerRewardConfig,
  type MathAnswerRewardResult,
} from "./math-reward.js";
export {
  regexFormatReward,
  type RegexFormatRewardConfig,
  regexFormatRewardConfig,
  tagStructureReward,
  type TagStructureRewardConfig,
  tagStructureRewardConfig,
  THINK_ANSWER_FORMAT_PATTERN,
  THINK_FORMAT_PATTERN,
} from "./format.js";
export {
  cosineScaledReward,
  type CosineScaledRewardConfig,
  cosineScaledRewardConfig,
  dapoOverlongPenalty,
  type DapoOverlongPenaltyConfig,
  dapoOverlongPenaltyConfig,
  linearLengthPenalty,
  type LinearLengthPenaltyConfig,
  linearLengthPenaltyConfig,
  linearOverlongPenalty,
  type LinearOverlongPenaltyConfig,
  linearOverlongPenaltyConfig,
  repetitionPenalty,
  type RepetitionPenaltyConfig,
  repetitionPenaltyConfig,
} from "./length.js";
export {
  bleuReward,
  type BleuRewardConfig,
  bleuRewardConfig,
  bleuScore,
  type BleuScoreConfig,
  bleuScoreConfig,
  type BleuScoreResult,
  tokenize13a,
} from "./bleu.js";
export {
  randomEvaluationEquivalence,
  type RandomEvaluationEquivalenceConfig,
  randomEvaluationEquivalenceConfig,
} from "./random-evaluation.js";
export {
  type AsyncEquivalence,
  mathAnswerRewardAsync,
  type MathAnswerRewardAsyncConfig,
  mathAnswerRewardAsyncConfig,
} from "./math-reward-async.js";
export {
  type CodeExecutionResult,
  codeExecutionReward,
  type CodeExecutionRewardConfig,
  codeExecutionRewardConfig,
  type CodeExecutor,
} from "./code-execution.js";
export {
  runSandboxed,
  type SandboxConfig,
  sandboxConfig,
  type SandboxIsolation,
  sandboxNamespacesAvailable,
  type SandboxRun,
} from "./sandbox.js";
export {
  primeCodeCallMatches,
  type PrimeCodeCase,
  type PrimeCodeCaseResult,
  primeCodeCases,
  type PrimeCodeCaseStatus,
  primeCodeReward,
  type PrimeCodeRewardConfig,
  primeCodeRewardConfig,
  primeCodeStdoutMatches,
  type SandboxedCodeExecutor,
  type SandboxedExecutionResult,
  subprocessCodeExecutor,
  type SubprocessCodeExecutorConfig,
  subprocessCodeExecutorConfig,
} from "./prime-code.js";
