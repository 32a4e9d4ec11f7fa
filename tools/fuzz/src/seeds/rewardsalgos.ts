// Seeds for the functions added by helper `rewardsalgos` (picked up by the fuzz harness).
// runSandboxed / primeCodeReward / subprocessCodeExecutor().run spawn processes and are left out on purpose.
export const seeds: Record<string, Record<string, () => unknown[]>> = {
  rewards: {
    sandboxNamespacesAvailable: () => [],
    primeCodeCases: () => [{ inputs: ["1 2\n", "3 4\n"], outputs: ["3\n", "7\n"] }],
    primeCodeStdoutMatches: () => ["3 \n\n", "3"],
    primeCodeCallMatches: () => ["[1, 2]", "[[1, 2]]"],
    subprocessCodeExecutor: () => [{ language: "python", maxConcurrency: 1 }],
    spctPrompt: () => ["What is 2+2?", ["4", "5"]],
    parseSpctScores: () => ["Scores: \\boxed{7, 4}", 2, {}],
    spctReward: () => ["q", ["a", "b"], async (_m: unknown, j: number) => `\\boxed{${7 - j}, 4}`, { k: 2 }],
    cachedGenerativeJudge: () => [async () => "Scores: \\boxed{7}", { maxEntries: 4 }],
    rewardConditionedSystemPrompt: () => [8],
    rewardAugmentedPairs: () => [[{ prompt: "2+2?", chosen: "4", rejected: "5", chosenReward: 9, rejectedReward: 3 }], { placement: "prompt" }],
    createChatCompletionsGenerativeJudge: () => [{ baseUrl: "http://127.0.0.1:9/v1", model: "grm", apiKeyEnv: null }],
  },
};
