import { describe, expect, it } from "vitest";
import { RLError, rolloutGroupsToBatch } from "../../src/index.js";
import {
  OPENAI_UNLIKELY_LOGPROB,
  parseChatCompletionLogProbs,
  parseLlamaCppCompletion,
  parseVllmPromptLogProbs,
  sameLogProbSemantics,
  toRolloutGroup,
} from "../../src/clients/index.js";
import {
  llamaCppLegacyExample,
  llamaCppLogprobExample,
  llamaCppProbExample,
  openAiChatExample,
  vllmPromptLogProbsExample,
  vllmTokenIdExample,
} from "./fixtures.js";

function thrown(f: () => unknown): RLError {
  try {
    f();
  } catch (e) {
    if (RLError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("parseChatCompletionLogProbs", () => {
  it("reads the OpenAI reference example: text, log-probs, bytes, alternatives, no ids", () => {
    const b = parseChatCompletionLogProbs(openAiChatExample, { temperature: 1 });
    expect(b.semantics).toEqual({ kind: "raw", temperature: 1, topP: 1, topK: 0 });
    const seq = b.sequences[0];
    expect(seq?.text).toBe("Hello! How");
    expect(seq?.finishReason).toBe("stop");
    expect(seq?.tokens.map((t) => t.logProb)).toEqual([-0.31725305, -0.02380986, -0.000054669687]);
    expect(seq?.tokens.map((t) => t.text)).toEqual(["Hello", "!", " How"]);
    expect(seq?.tokens.every((t) => t.id === null)).toBe(true);
    expect(seq?.tokens[0]?.bytes).toEqual([72, 101, 108, 108, 111]);
    expect(seq?.tokens[0]?.topLogProbs[1]).toEqual({ id: null, text: "Hi", logProb: -1.3190403 });
  });

  it("records the semantics the caller states (processed, temperature, top-p)", () => {
    const b = parseChatCompletionLogProbs(openAiChatExample, { kind: "processed", temperature: 0.7, topP: 0.9 });
    expect(b.semantics).toEqual({ kind: "processed", temperature: 0.7, topP: 0.9, topK: 0 });
  });

  it("reads vLLM's token_id:N variant as ids, one sequence per choice", () => {
    const b = parseChatCompletionLogProbs(vllmTokenIdExample, { temperature: 1 });
    expect(b.sequences.map((s) => s.tokens.map((t) => t.id))).toEqual([[19, 151645], [20]]);
    expect(b.sequences[0]?.tokens[0]?.text).toBeNull();
    expect(b.sequences[0]?.tokens[0]?.topLogProbs[0]?.id).toBe(19);
    expect(b.sequences[1]?.finishReason).toBe("length");
  });

  it("takes ids from choices[].token_ids (vLLM return_token_ids) and checks their length", () => {
    const withIds = structuredClone(openAiChatExample) as { choices: Record<string, unknown>[] };
    (withIds.choices[0] as Record<string, unknown>).token_ids = [9707, 0, 2585];
    expect(parseChatCompletionLogProbs(withIds, { temperature: 1 }).sequences[0]?.tokens.map((t) => t.id)).toEqual([9707, 0, 2585]);
    (withIds.choices[0] as Record<string, unknown>).token_ids = [1];
    expect(thrown(() => parseChatCompletionLogProbs(withIds, { temperature: 1 })).message).toBe(
      "parseChatCompletionLogProbs: choices.0.token_ids has 1 entries, logprobs.content has 3",
    );
  });

  it("refuses a response without log-probs, a malformed entry and OpenAI's -9999 sentinel", () => {
    const noLp = { choices: [{ index: 0, message: { content: "hi" }, logprobs: null }] };
    const e1 = thrown(() => parseChatCompletionLogProbs(noLp, { temperature: 1 }));
    expect(e1.code).toBe("PARSE");
    expect(e1.message).toContain("choices.0.logprobs is null; request with logprobs: true");
    const bad = structuredClone(openAiChatExample) as unknown as { choices: { logprobs: { content: Record<string, unknown>[] } }[] };
    delete bad.choices[0]?.logprobs.content[1]?.logprob;
    const e2 = thrown(() => parseChatCompletionLogProbs(bad, { temperature: 1 }));
    expect(e2.code).toBe("PARSE");
    expect(e2.message).toMatch(/^parseChatCompletionLogProbs: invalid response: choices\.0\.logprobs\.content\.1\.logprob: /);
    const sentinel = structuredClone(vllmTokenIdExample);
    (sentinel.choices[1]?.logprobs.content[0] as { logprob: number }).logprob = OPENAI_UNLIKELY_LOGPROB;
    expect(thrown(() => parseChatCompletionLogProbs(sentinel, { temperature: 1 })).message).toContain("choices.1.logprobs.content.0.logprob is -9999");
    expect(thrown(() => parseChatCompletionLogProbs({ choices: [] }, { temperature: 1 })).message).toContain("choices:");
  });

  it("requires the temperature and rejects unknown config keys", () => {
    expect(thrown(() => parseChatCompletionLogProbs(openAiChatExample, {} as never)).code).toBe("INVALID_CONFIG");
    expect(thrown(() => parseChatCompletionLogProbs(openAiChatExample, { temperature: 1, temprature: 2 } as never)).code).toBe("INVALID_CONFIG");
  });
});

describe("parseLlamaCppCompletion", () => {
  it("reads the default shape as raw log-probs with ids", () => {
    const b = parseLlamaCppCompletion(llamaCppLogprobExample, { temperature: 0.8 });
    expect(b.semantics).toEqual({ kind: "raw", temperature: 0.8, topP: 0.95, topK: 40 });
    expect(b.sequences[0]?.tokens[0]).toMatchObject({ id: 12366, text: " Paris", logProb: -0.0235 });
    expect(b.sequences[0]?.tokens[0]?.topLogProbs[1]).toEqual({ id: 264, text: " a", logProb: -4.1 });
    expect(b.sequences[0]?.finishReason).toBe("limit");
  });

  it("reads post_sampling_probs as processed log-probs log(prob)", () => {
    const b = parseLlamaCppCompletion(llamaCppProbExample, { temperature: 0.8, topP: 1, topK: 0 });
    expect(b.semantics.kind).toBe("processed");
    expect(b.sequences[0]?.tokens[0]?.logProb).toBeCloseTo(Math.log(0.5), 12);
    expect(b.sequences[0]?.tokens[0]?.topLogProbs[1]?.logProb).toBeCloseTo(Math.log(0.25), 12);
  });

  it("reads the legacy probs shape (processed, no ids) and refuses a sampled token absent from probs", () => {
    const b = parseLlamaCppCompletion(llamaCppLegacyExample, { temperature: 0.8 });
    expect(b.semantics.kind).toBe("processed");
    expect(b.sequences[0]?.tokens[0]).toMatchObject({ id: null, text: " Paris" });
    expect(b.sequences[0]?.tokens[0]?.logProb).toBeCloseTo(Math.log(0.8), 12);
    const missing = { content: "x", completion_probabilities: [{ content: " Lyon", probs: [{ prob: 1, tok_str: " Paris" }] }] };
    expect(thrown(() => parseLlamaCppCompletion(missing, { temperature: 1 })).message).toContain(
      'completion_probabilities.0.probs has no entry for the sampled token " Lyon"',
    );
  });

  it("refuses mixed shapes, a zero probability and a missing field", () => {
    const mixed = { content: "", completion_probabilities: [...llamaCppLogprobExample.completion_probabilities, ...llamaCppProbExample.completion_probabilities] };
    expect(thrown(() => parseLlamaCppCompletion(mixed, { temperature: 1 })).message).toContain("mixes shapes");
    const zero = structuredClone(llamaCppProbExample);
    (zero.completion_probabilities[0] as { prob: number }).prob = 0;
    expect(thrown(() => parseLlamaCppCompletion(zero, { temperature: 1 })).message).toContain("completion_probabilities.0.prob is 0");
    const e = thrown(() => parseLlamaCppCompletion({ content: "x" }, { temperature: 1 }));
    expect(e.code).toBe("PARSE");
    expect(e.message).toContain("completion_probabilities");
  });
});

describe("parseVllmPromptLogProbs", () => {
  it("picks the prompt's own token at each position (null at 0)", () => {
    expect(parseVllmPromptLogProbs(vllmPromptLogProbsExample)).toEqual({ tokenIds: [791, 6864, 315], logProbs: [null, -7.5, -0.02] });
  });

  it("needs ids when a position is ambiguous or null, and finds prompt_logprobs on a choice", () => {
    const noIds = { prompt_logprobs: vllmPromptLogProbsExample.prompt_logprobs };
    expect(thrown(() => parseVllmPromptLogProbs(noIds)).message).toContain("prompt_logprobs.0 is null and no prompt token id");
    expect(parseVllmPromptLogProbs({ choices: [{ prompt_logprobs: noIds.prompt_logprobs }] }, { promptTokenIds: [791, 6864, 315] }).logProbs).toEqual([null, -7.5, -0.02]);
    expect(thrown(() => parseVllmPromptLogProbs({ choices: [{}] })).message).toContain("no prompt_logprobs");
    expect(thrown(() => parseVllmPromptLogProbs({ ...vllmPromptLogProbsExample, prompt_token_ids: [791, 1, 315] })).message).toContain(
      "prompt_logprobs.1 has no entry for prompt token 1",
    );
  });
});

describe("toRolloutGroup", () => {
  it("builds a RolloutGroup that feeds rolloutGroupsToBatch", () => {
    const g = toRolloutGroup(parseChatCompletionLogProbs(vllmTokenIdExample, { temperature: 1 }), { promptId: "q", prompt: "2+2?", rewards: [1, 0] });
    expect(g.responses.map((r) => r.tokenIds)).toEqual([[19, 151645], [20]]);
    expect(g.responses[1]?.logProbs).toEqual([-2.3]);
    const batch = rolloutGroupsToBatch([g]);
    expect(batch.tokenRewards.toArray()).toEqual([[0, 1], [0, 0]]);
    expect(batch.logProbs.toArray()).toEqual([[-0.0012, -0.05], [-2.3, 0]]);
  });

  it("defaults rewards to null (no signal), and refuses missing ids, bad reward counts and empty batches", () => {
    const b = parseChatCompletionLogProbs(vllmTokenIdExample, { temperature: 1 });
    expect(toRolloutGroup(b, { promptId: "q" }).responses.map((r) => r.reward)).toEqual([null, null]);
    expect(thrown(() => toRolloutGroup(b, { promptId: "q", rewards: [1] })).message).toBe("toRolloutGroup: rewards has 1 entries, batch has 2 sequences");
    const e = thrown(() => toRolloutGroup(parseChatCompletionLogProbs(openAiChatExample, { temperature: 1 }), { promptId: "q" }));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain('sequences.0.tokens.0 ("Hello") has no token id');
    expect(thrown(() => toRolloutGroup({ sequences: [], semantics: b.semantics }, { promptId: "q" })).message).toContain("no sequences");
  });
});

describe("sameLogProbSemantics", () => {
  it("treats raw as processed at temperature 1 without truncation", () => {
    expect(sameLogProbSemantics({ kind: "raw", temperature: 0.6 }, { kind: "processed", temperature: 1 })).toBe(true);
    expect(sameLogProbSemantics({ kind: "raw", temperature: 0.6 }, { kind: "processed", temperature: 0.6 })).toBe(false);
    expect(sameLogProbSemantics({ kind: "processed", temperature: 1, topP: 0.9 }, { kind: "processed", temperature: 1 })).toBe(false);
    expect(sameLogProbSemantics({ kind: "processed", temperature: 0.7, topK: 5 }, { kind: "processed", temperature: 0.7, topK: 5 })).toBe(true);
  });
});
