// Seeds of the functions helper `lightload` added: the one API-key rule of the HTTP clients.
export const seeds: Record<string, Record<string, () => unknown[]>> = {
  "core-clients": {
    resolveApiKey: () => ["fuzz", { apiKeyEnv: "RL_FUZZ_KEY", apiKeyRequired: false }, { RL_FUZZ_KEY: "sk-1" }],
  },
};
