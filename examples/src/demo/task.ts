import { RLError, createRng } from "@rl/core";

/**
 * The demo's verifiable task: n-digit addition as character sequences.
 *
 *   prompt  "07+45="   (operands zero-padded to `digits`, so every prompt has the same length)
 *   answer  "52" EOS   (no leading zeros; 1 … digits+1 characters, then EOS)
 *
 * Vocabulary (14 tokens): PAD=0, EOS=1, '0'..'9' = 2..11, '+' = 12, '=' = 13.
 */
export const PAD = 0;
/** End of answer. */
export const EOS = 1;
/** The vocabulary, index = token id. */
export const VOCAB: readonly string[] = Object.freeze(["<pad>", "<eos>", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "+", "="]);
/** Vocabulary size. */
export const VOCAB_SIZE = VOCAB.length;

const charToId = new Map<string, number>(VOCAB.map((c, i) => [c, i]));

/** One problem of the task. */
export interface Problem {
  /** Stable id (`"a+b"`). */
  readonly id: string;
  readonly a: number;
  readonly b: number;
  /** Prompt text, e.g. `"07+45="`. */
  readonly prompt: string;
  /** Answer text without EOS, e.g. `"52"`. */
  readonly answer: string;
  /** Prompt token ids (length {@link AdditionTask.promptLength}). */
  readonly promptIds: readonly number[];
  /** Answer token ids, EOS included. */
  readonly answerIds: readonly number[];
}

/** Options of {@link createAdditionTask}. */
export interface AdditionTaskOptions {
  /** Seed of the split. */
  seed: number;
  /** Digits per operand. Default 2 (10,000 problems). */
  digits?: number;
  /** Held-out problems (never trained on). Default 400. */
  heldOutSize?: number;
}

/** A generated task: a train split, a held-out split and its lengths. */
export interface AdditionTask {
  readonly digits: number;
  readonly train: readonly Problem[];
  readonly heldOut: readonly Problem[];
  /** Prompt length in tokens (`2·digits + 2`). */
  readonly promptLength: number;
  /** Longest answer in tokens, EOS included (`digits + 2`): the generation budget. */
  readonly maxAnswerLength: number;
}

/** Token ids of a string over {@link VOCAB} (single characters only; no PAD/EOS). */
export function encode(text: string): number[] {
  return [...text].map((c) => {
    const id = charToId.get(c);
    if (id === undefined) throw new RLError("INVALID_INPUT", `encode: character "${c}" is not in the vocabulary`);
    return id;
  });
}

/** Text of token ids; stops at the first EOS unless `keepSpecial`, PAD is dropped. */
export function decode(ids: readonly number[], keepSpecial = false): string {
  let out = "";
  for (const id of ids) {
    if (id === EOS && !keepSpecial) break;
    if (id === PAD && !keepSpecial) continue;
    out += VOCAB[id] ?? "?";
  }
  return out;
}

/** Builds one problem. */
export function makeProblem(a: number, b: number, digits: number): Problem {
  const prompt = `${String(a).padStart(digits, "0")}+${String(b).padStart(digits, "0")}=`;
  const answer = String(a + b);
  return { id: `${a}+${b}`, a, b, prompt, answer, promptIds: encode(prompt), answerIds: [...encode(answer), EOS] };
}

/**
 * Every `digits`-digit addition problem, shuffled by `seed` and split into held-out and train.
 *
 * @example
 * const task = createAdditionTask({ seed: 1 });
 * task.train.length + task.heldOut.length; // 10000
 * task.heldOut[0]?.prompt;                 // e.g. "07+45="
 */
export function createAdditionTask(options: AdditionTaskOptions): AdditionTask {
  const digits = options.digits ?? 2;
  const heldOutSize = options.heldOutSize ?? 400;
  if (!Number.isInteger(digits) || digits < 1 || digits > 3) {
    throw new RLError("INVALID_CONFIG", `createAdditionTask: digits must be 1, 2 or 3, got ${digits}`);
  }
  const n = 10 ** digits;
  if (!Number.isInteger(heldOutSize) || heldOutSize < 1 || heldOutSize >= n * n) {
    throw new RLError("INVALID_CONFIG", `createAdditionTask: heldOutSize must be in [1, ${n * n}), got ${heldOutSize}`);
  }
  const all: Problem[] = [];
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) all.push(makeProblem(a, b, digits));
  const shuffled = createRng(options.seed).shuffle(all);
  return {
    digits,
    heldOut: shuffled.slice(0, heldOutSize),
    train: shuffled.slice(heldOutSize),
    promptLength: 2 * digits + 2,
    maxAnswerLength: digits + 2,
  };
}

/** The response up to (excluding) its first EOS, or `undefined` when it never ends. */
function answerPart(response: readonly number[]): readonly number[] | undefined {
  const end = response.indexOf(EOS);
  return end < 0 ? undefined : response.slice(0, end);
}

/**
 * Format check: one to `digits + 1` digit tokens, then EOS (what follows EOS is ignored).
 * @example
 * checkFormat([...encode("52"), EOS], 2); // true
 * checkFormat(encode("52"), 2);            // false (no EOS)
 */
export function checkFormat(response: readonly number[], digits: number): boolean {
  const body = answerPart(response);
  if (body === undefined || body.length < 1 || body.length > digits + 1) return false;
  return body.every((id) => id >= 2 && id <= 11);
}

/**
 * Exact-answer verifier: the response's digits before EOS equal the sum.
 * @example
 * verifyAnswer(makeProblem(7, 45, 2), [...encode("52"), EOS]); // true
 */
export function verifyAnswer(problem: Problem, response: readonly number[]): boolean {
  const body = answerPart(response);
  return body !== undefined && decode(body) === problem.answer && checkFormat(response, problem.prompt.indexOf("+"));
}

/** Weights of {@link taskReward}. */
export interface TaskRewardOptions {
  /** Reward of an exact answer. Default 1. */
  correct?: number;
  /** Reward of a well-formed but wrong answer. Default 0.1. */
  formatOnly?: number;
}

/**
 * The verifiable reward of one response: `correct` if exact, `formatOnly` if merely well formed, else 0.
 * @example
 * taskReward(makeProblem(1, 1, 2), [...encode("3"), EOS]); // 0.1
 */
export function taskReward(problem: Problem, response: readonly number[], options: TaskRewardOptions = {}): number {
  if (verifyAnswer(problem, response)) return options.correct ?? 1;
  return checkFormat(response, problem.prompt.indexOf("+")) ? (options.formatOnly ?? 0.1) : 0;
}
