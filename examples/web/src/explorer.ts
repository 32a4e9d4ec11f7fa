import { Matrix, RLError } from "@rl/core";
import { grpoAdvantages, prefixTree, prefixTreeNodes, spoChainBatchAdvantages, spoChainBatchCutpoints, tempoAdvantages, type PrefixTreeNode } from "@rl/credit";

/** The JSON the explorer's textarea holds: one group of responses with their rewards. */
export interface ExplorerInput {
  /** Responses as token-id arrays, or as strings split on whitespace (words get ids in order of first appearance). */
  readonly responses: readonly (readonly number[] | string)[];
  /** One scalar reward per response. */
  readonly rewards: readonly number[];
  /** Optional sampled-token probabilities `[B][T_b]` for SPO; default: the empirical branch frequency of each token in the tree. */
  readonly probs?: readonly (readonly number[])[];
}

/** The example group the textarea starts with. */
export const exampleInput: ExplorerInput = {
  responses: [
    "the answer is 4 because 2 + 2",
    "the answer is 4 since two twos",
    "the answer is 5 because 2 + 2",
    "the result is 4",
    "the answer is 5",
  ],
  rewards: [1, 1, 0, 1, 0],
};

/** A parsed group: padded token ids (−1 padding), mask, outcomes and the word of every id. */
export interface ParsedGroup {
  readonly responses: number[][];
  readonly mask: number[][];
  readonly outcomes: number[];
  readonly groups: number[];
  /** `words[id]` (token ids given as numbers decode to themselves). */
  readonly decode: (token: number) => string;
  readonly probs?: number[][];
}

/** Parses the textarea's JSON (a string or an object) into a padded batch of one group. */
export function parseExplorerInput(raw: string | ExplorerInput): ParsedGroup {
  const fn = "parseExplorerInput";
  const input = (typeof raw === "string" ? JSON.parse(raw) : raw) as ExplorerInput;
  if (!Array.isArray(input.responses) || input.responses.length === 0) {
    throw new RLError("INVALID_INPUT", `${fn}: responses must be a non-empty array`);
  }
  if (!Array.isArray(input.rewards) || input.rewards.length !== input.responses.length) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: rewards has ${String(input.rewards?.length)} entries, responses has ${input.responses.length}`);
  }
  const ids = new Map<string, number>();
  const words: string[] = [];
  const rows = input.responses.map((r, b) => {
    if (typeof r === "string") {
      return r.split(/\s+/).filter((w) => w.length > 0).map((w) => {
        let id = ids.get(w);
        if (id === undefined) {
          id = words.length;
          ids.set(w, id);
          words.push(w);
        }
        return id;
      });
    }
    if (!Array.isArray(r) || r.some((t) => !Number.isInteger(t) || t < 0)) {
      throw new RLError("INVALID_INPUT", `${fn}: responses[${b}] must be a string or an array of non-negative integer token ids`);
    }
    return [...r];
  });
  const T = Math.max(1, ...rows.map((r) => r.length));
  const responses = rows.map((r) => [...r, ...Array<number>(T - r.length).fill(-1)]);
  const mask = rows.map((r) => Array.from({ length: T }, (_, t) => (t < r.length ? 1 : 0)));
  let probs: number[][] | undefined;
  if (input.probs !== undefined) {
    if (input.probs.length !== rows.length) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: probs has ${input.probs.length} rows, responses has ${rows.length}`);
    }
    probs = input.probs.map((p, b) => {
      const len = (rows[b] as number[]).length;
      if (p.length !== len) throw new RLError("SHAPE_MISMATCH", `${fn}: probs[${b}] has ${p.length} entries, responses[${b}] has ${len} tokens`);
      return [...p, ...Array<number>(T - len).fill(1)];
    });
  }
  const decode = (token: number) => (words.length > 0 ? (words[token] ?? String(token)) : String(token));
  return { responses, mask, outcomes: input.rewards.map(Number), groups: rows.map(() => 0), decode, ...(probs ? { probs } : {}) };
}

/** Everything the explorer draws. */
export interface ExplorerResult {
  readonly group: ParsedGroup;
  readonly nodes: PrefixTreeNode[];
  readonly grpo: Matrix;
  readonly tempo: Matrix;
  readonly spo: Matrix;
  /** Probabilities SPO used (given or estimated). */
  readonly spoProbs: number[][];
  /** SPO cutpoints of every row (−1 = the prompt). */
  readonly spoCutpoints: number[][];
}

/** SPO-chain settings of the explorer: ρ = 0.9 (reference) and a cutpoint before every low-probability token. */
export const explorerSpoConfig = { threshold: 0.9, interval: 1 } as const;

/**
 * Computes the prefix tree and the GRPO, TEMPO and SPO-chain advantages of one group.
 * SPO's cut values are estimated from the group itself: `V(prefix up to c)` = the mean reward of
 * the responses sharing that prefix (the prefix tree's node value; the root's value for c = −1).
 * Without `probs`, a token's probability is its empirical branch frequency
 * `count(child) / count(parent)` in the tree.
 */
export function computeExplorer(group: ParsedGroup): ExplorerResult {
  const { responses, mask, outcomes, groups } = group;
  const T = (responses[0] as number[]).length;
  const forest = prefixTree({ tokenIds: responses, rewards: outcomes, mask, groups });
  const nodes = prefixTreeNodes(forest);
  const grpo = grpoAdvantages({ rewards: outcomes, mask, groups }).advantages;
  const tempo = tempoAdvantages({ tokenIds: responses, mask, groups, rewards: outcomes }).advantages;
  const nodeAt = (b: number, t: number) => forest.nodeAfter[b * T + t] as number;
  const spoProbs =
    group.probs ??
    responses.map((row, b) =>
      row.map((_, t) => {
        if ((mask[b] as number[])[t] === 0) return 1;
        const k = nodeAt(b, t);
        const parent = forest.parent[k] as number;
        return (forest.count[k] as number) / (forest.count[parent] as number);
      }),
    );
  const root = forest.roots[0] as number;
  const cutpoints = spoChainBatchCutpoints(spoProbs, mask, explorerSpoConfig);
  const cutValues = cutpoints.map((cuts, b) => {
    const values: Record<string, number> = {};
    for (const c of cuts) values[String(c)] = c < 0 ? (forest.value[root] as number) : (forest.value[nodeAt(b, c)] as number);
    return values;
  });
  const spoResult = spoChainBatchAdvantages({ probs: spoProbs, mask, cutValues, rewards: outcomes }, explorerSpoConfig);
  return {
    group,
    nodes,
    grpo,
    tempo,
    spo: spoResult.advantages,
    spoProbs,
    spoCutpoints: spoResult.cutpoints.map((c) => Array.from(c)),
  };
}
