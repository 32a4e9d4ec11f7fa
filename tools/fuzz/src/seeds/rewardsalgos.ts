// Seeds for the functions added by helper `rewardsalgos` (picked up by the fuzz harness).
// runSandboxed / primeCodeReward / subprocessCodeExecutor().run spawn processes and are left out on purpose.
export const seeds: Record<string, Record<string, () => unknown[]>> = {
  rewards: {
    primeCodeCases: () => [{ inputs: ["1 2\n", "3 4\n"], outputs: ["3\n", "7\n"] }],
    primeCodeStdoutMatches: () => ["3 \n\n", "3"],
    primeCodeCallMatches: () => ["[1, 2]", "[[1, 2]]"],
    subprocessCodeExecutor: () => [{ language: "python", maxConcurrency: 1 }],
  },
};
