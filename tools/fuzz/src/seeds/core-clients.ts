// Seeds for @rl/core/clients (the log-prob client layer), moved from base.ts when those functions left the main entry.
export const seeds: Record<string, Record<string, () => unknown[]>> = {
  "core-clients": {
    sameLogProbSemantics: () => [{ kind: "raw", temperature: 0.7 }, { kind: "processed", temperature: 1 }],
    parseChatCompletionLogProbs: () => [{ choices: [{ index: 0, logprobs: { content: [{ token: "4", logprob: -0.3 }] } }] }, { temperature: 1 }],
    toRolloutGroup: () => [
      { semantics: { kind: "raw", temperature: 1 }, sequences: [{ index: 0, text: "a", finishReason: "stop", tokens: [{ id: 1, text: "a", logProb: -0.5, bytes: null, topLogProbs: [] }] }] },
      { promptId: "p", rewards: [1] },
    ],
    // parsers (TSDoc examples); collectRollouts against a closed local port, no retry, failures skipped
    collectRollouts: () => [["2+2?"], { baseUrl: "http://127.0.0.1:9/v1", model: "m", maxRetries: 0, timeoutMs: 2000, onError: "skip" }],
    describeSemantics: () => [{ kind: "processed", temperature: 0.7, topP: 0.9, topK: 20 }],
    importanceLogRatios: () => [[[-1, -2]], [[-1.5, -2]], [[1, 0]], { trainer: { kind: "processed", temperature: 1 }, sampler: { kind: "raw", temperature: 0.8 } }],
    parseLlamaCppCompletion: () => [{ completion_probabilities: [{ id: 19, token: "4", logprob: -0.25, bytes: [52], top_logprobs: [] }] }, { temperature: 0.8 }],
    parseVllmPromptLogProbs: () => [{ prompt_token_ids: [791, 6864], prompt_logprobs: [null, { "6864": { logprob: -2.5, rank: 3 } }] }, {}],
    rescaleLogProbTemperature: () => [
      {
        semantics: { kind: "raw", temperature: 1 },
        sequences: [{ index: 0, text: "a", finishReason: "stop", tokens: [{ id: 1, text: "a", logProb: Math.log(0.8), bytes: null, topLogProbs: [{ id: 1, text: "a", logProb: Math.log(0.8), bytes: null }, { id: 2, text: "b", logProb: Math.log(0.2), bytes: null }] }] }],
      },
      { temperature: 0.5 },
    ],
    tokenIdFromText: () => ["token_id:1234"],
  },
};
