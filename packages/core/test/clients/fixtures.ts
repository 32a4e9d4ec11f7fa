// Response bodies as the servers document them (docs/core/clients.md lists the sources).

/** OpenAI API reference, chat completion with `logprobs: true, top_logprobs: 2` (first tokens). */
export const openAiChatExample = {
  id: "chatcmpl-123",
  object: "chat.completion",
  created: 1702685778,
  model: "gpt-4o-mini",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Hello! How" },
      logprobs: {
        content: [
          {
            token: "Hello",
            logprob: -0.31725305,
            bytes: [72, 101, 108, 108, 111],
            top_logprobs: [
              { token: "Hello", logprob: -0.31725305, bytes: [72, 101, 108, 108, 111] },
              { token: "Hi", logprob: -1.3190403, bytes: [72, 105] },
            ],
          },
          {
            token: "!",
            logprob: -0.02380986,
            bytes: [33],
            top_logprobs: [
              { token: "!", logprob: -0.02380986, bytes: [33] },
              { token: " there", logprob: -3.787621, bytes: [32, 116, 104, 101, 114, 101] },
            ],
          },
          {
            token: " How",
            logprob: -0.000054669687,
            bytes: [32, 72, 111, 119],
            top_logprobs: [
              { token: " How", logprob: -0.000054669687, bytes: [32, 72, 111, 119] },
              { token: "<|end|>", logprob: -10.953937, bytes: null },
            ],
          },
        ],
      },
      finish_reason: "stop",
    },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
};

/** vLLM served with `--return-tokens-as-token-ids`: tokens read `token_id:<id>`. */
export const vllmTokenIdExample = {
  id: "chatcmpl-vllm",
  object: "chat.completion",
  model: "Qwen/Qwen2.5-0.5B-Instruct",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "4" },
      logprobs: {
        content: [
          { token: "token_id:19", logprob: -0.0012, bytes: [52], top_logprobs: [{ token: "token_id:19", logprob: -0.0012, bytes: [52] }] },
          { token: "token_id:151645", logprob: -0.05, bytes: [], top_logprobs: [] },
        ],
      },
      finish_reason: "stop",
    },
    {
      index: 1,
      message: { role: "assistant", content: "5" },
      logprobs: { content: [{ token: "token_id:20", logprob: -2.3, bytes: [53], top_logprobs: [] }] },
      finish_reason: "length",
    },
  ],
};

/** llama.cpp server `/completion` with `n_probs: 2` (current README, default `post_sampling_probs: false`). */
export const llamaCppLogprobExample = {
  content: " Paris",
  stop_type: "limit",
  completion_probabilities: [
    {
      id: 12366,
      token: " Paris",
      logprob: -0.0235,
      bytes: [32, 80, 97, 114, 105, 115],
      top_logprobs: [
        { id: 12366, token: " Paris", logprob: -0.0235, bytes: [32, 80, 97, 114, 105, 115] },
        { id: 264, token: " a", logprob: -4.1, bytes: [32, 97] },
      ],
    },
  ],
};

/** llama.cpp with `post_sampling_probs: true`: `prob` / `top_probs` in [0, 1]. */
export const llamaCppProbExample = {
  content: " Paris",
  completion_probabilities: [
    {
      id: 12366,
      token: " Paris",
      prob: 0.5,
      bytes: [32, 80, 97, 114, 105, 115],
      top_probs: [
        { id: 12366, token: " Paris", prob: 0.5, bytes: [32, 80, 97, 114, 105, 115] },
        { id: 264, token: " a", prob: 0.25, bytes: [32, 97] },
      ],
    },
  ],
};

/** Older llama.cpp README (2024): `{ content, probs: [{ prob, tok_str }] }`. */
export const llamaCppLegacyExample = {
  content: " Paris",
  completion_probabilities: [
    { content: " Paris", probs: [{ prob: 0.8, tok_str: " Paris" }, { prob: 0.2, tok_str: " a" }] },
  ],
};

/** vLLM `prompt_logprobs: 1` with `return_token_ids: true` (position 0 is null). */
export const vllmPromptLogProbsExample = {
  prompt_token_ids: [791, 6864, 315],
  prompt_logprobs: [
    null,
    { "6864": { logprob: -7.5, rank: 210, decoded_token: " capital" }, "1917": { logprob: -1.2, rank: 1, decoded_token: " first" } },
    { "315": { logprob: -0.02, rank: 1, decoded_token: " of" } },
  ],
};
