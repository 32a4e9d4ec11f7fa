// The runnable example of docs/core/clients.md, with the numbers the page prints.
import { describe, expect, it } from "vitest";
import { rolloutGroupsToBatch } from "../../src/index.js";
import { importanceLogRatios, parseChatCompletionLogProbs, rescaleLogProbTemperature, toRolloutGroup } from "../../src/clients/index.js";

describe("docs/core/clients.md example", () => {
  it("prints what the page says", () => {
    // a vLLM reply (--return-tokens-as-token-ids), n = 2, temperature 1
    const reply = {
      choices: [
        { index: 0, message: { content: "4" }, finish_reason: "stop", logprobs: { content: [
          { token: "token_id:19", logprob: -0.0012, bytes: [52], top_logprobs: [] },
          { token: "token_id:151645", logprob: -0.05, bytes: [], top_logprobs: [] },
        ] } },
        { index: 1, message: { content: "5" }, finish_reason: "stop", logprobs: { content: [
          { token: "token_id:20", logprob: -2.3, bytes: [53], top_logprobs: [] },
        ] } },
      ],
    };
    const batch = parseChatCompletionLogProbs(reply, { temperature: 1 });
    expect(batch.semantics).toEqual({ kind: "raw", temperature: 1, topP: 1, topK: 0 });
    const group = toRolloutGroup(batch, { promptId: "q1", prompt: "2+2?", rewards: [1, 0] });
    expect(group.responses.map((r) => r.tokenIds)).toEqual([[19, 151645], [20]]);
    const outcome = rolloutGroupsToBatch([group]);
    expect(outcome.logProbs.toArray()).toEqual([[-0.0012, -0.05], [-2.3, 0]]);
    expect(outcome.mask.toArray()).toEqual([[1, 1], [1, 0]]);
    const trainer = [[-0.001, -0.06], [-2.0, 0]];
    const { logRatios } = importanceLogRatios(trainer, outcome.logProbs, outcome.mask, {
      trainer: { kind: "processed", temperature: 1 },
      sampler: batch.semantics,
    });
    expect(logRatios.toArray().map((r) => r.map((x) => +x.toFixed(4)))).toEqual([[0.0002, -0.01], [0.3, 0]]);

    const full = {
      semantics: batch.semantics,
      sequences: [{ index: 0, text: "", finishReason: null, tokens: [{ id: 7, text: null, logProb: Math.log(0.8), bytes: null,
        topLogProbs: [{ id: 7, text: null, logProb: Math.log(0.8) }, { id: 9, text: null, logProb: Math.log(0.2) }] }] }],
    };
    const cooled = rescaleLogProbTemperature(full, { temperature: 0.5 });
    expect(+Math.exp(cooled.sequences[0]?.tokens[0]?.logProb as number).toFixed(4)).toBe(0.9412);
  });
});
