// Seeds for @rl/core/clients (the log-prob client layer), moved from base.ts when those functions left the main entry.
export const seeds: Record<string, Record<string, () => unknown[]>> = {
  "core-clients": {
    sameLogProbSemantics: () => [{ kind: "raw", temperature: 0.7 }, { kind: "processed", temperature: 1 }],
    parseChatCompletionLogProbs: () => [{ choices: [{ index: 0, logprobs: { content: [{ token: "4", logprob: -0.3 }] } }] }, { temperature: 1 }],
    toRolloutGroup: () => [
      { semantics: { kind: "raw", temperature: 1 }, sequences: [{ index: 0, text: "a", finishReason: "stop", tokens: [{ id: 1, text: "a", logProb: -0.5, bytes: null, topLogProbs: [] }] }] },
      { promptId: "p", rewards: [1] },
    ],
  },
};
