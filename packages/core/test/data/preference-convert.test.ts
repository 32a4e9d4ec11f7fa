import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RLError } from "../../src/errors.js";
import { preferencePairSchema, type PreferencePair } from "../../src/schemas/data.js";
import {
  conversationalKtoToKto,
  conversationalToOpenAiDpo,
  conversationalToPreferencePair,
  ktoToConversationalKto,
  detectPreferenceFormat,
  joinImplicitConversation,
  joinImplicitPrompt,
  ktoToPreferencePairs,
  openAiDpoRecordSchema,
  openAiDpoToConversational,
  openAiDpoToPreferencePair,
  preferencePairToConversational,
  preferencePairToKto,
  preferencePairToOpenAiDpo,
  preferencePairToStandard,
  splitImplicitConversation,
  splitImplicitPrompt,
  standardToPreferencePair,
  toPreferencePair,
  type ConversationalPreference,
  type OpenAiDpoRecord,
} from "../../src/data/index.js";

const pair: PreferencePair = { prompt: "2+2?", chosen: "4", rejected: "5" };
const conv: ConversationalPreference = {
  prompt: [{ role: "user", content: "2+2?" }],
  chosen: [{ role: "assistant", content: "4" }],
  rejected: [{ role: "assistant", content: "5" }],
};
const openai: OpenAiDpoRecord = {
  input: { messages: [{ role: "user", content: "2+2?" }] },
  preferred_output: [{ role: "assistant", content: "4" }],
  non_preferred_output: [{ role: "assistant", content: "5" }],
};

const arbPair: fc.Arbitrary<PreferencePair> = fc
  .record(
    {
      prompt: fc.string(),
      chosen: fc.string(),
      rejected: fc.string(),
      margin: fc.double({ noNaN: true, noDefaultInfinity: true }),
      id: fc.string(),
    },
    { requiredKeys: ["prompt", "chosen", "rejected"] },
  )
  .map((p) => preferencePairSchema.parse(p));
const arbMsg = fc.record({ role: fc.constantFrom("system", "user", "assistant", "tool"), content: fc.string() });
const arbConv = fc.array(arbMsg, { minLength: 1, maxLength: 4 });

describe("worked examples: each format to PreferencePair and back", () => {
  it("standard", () => {
    expect(standardToPreferencePair({ ...pair, margin: 2, id: "a" })).toEqual({ ...pair, margin: 2, id: "a" });
    expect(preferencePairToStandard(pair)).toEqual(pair);
  });

  it("conversational", () => {
    expect(conversationalToPreferencePair(conv)).toEqual(pair);
    expect(preferencePairToConversational(pair)).toEqual(conv);
  });

  it("conversational multi-turn needs promptEncoding json (error names the field)", () => {
    const multi = { ...conv, prompt: [{ role: "system", content: "Be terse." }, ...conv.prompt] };
    expect(() => conversationalToPreferencePair(multi)).toThrow(/conversationalToPreferencePair: prompt must be a single user message/);
    const p = conversationalToPreferencePair(multi, { promptEncoding: "json" });
    expect(p.prompt).toBe(JSON.stringify(multi.prompt));
    expect(preferencePairToConversational(p, { promptEncoding: "json" })).toEqual(multi);
    expect(() => preferencePairToConversational({ ...p, prompt: "{" }, { promptEncoding: "json" })).toThrow(RLError);
  });

  it("implicit prompt (text), TRL's example", () => {
    expect(splitImplicitPrompt({ chosen: "The sky is blue.", rejected: "The sky is green." })).toEqual({
      prompt: "The sky is",
      chosen: " blue.",
      rejected: " green.",
    });
    expect(joinImplicitPrompt({ prompt: "The sky is", chosen: " blue.", rejected: " green." })).toEqual({
      chosen: "The sky is blue.",
      rejected: "The sky is green.",
    });
    expect(toPreferencePair({ chosen: "Q? yes", rejected: "Q? no" })).toEqual({ prompt: "Q?", chosen: " yes", rejected: " no" });
    expect(() => splitImplicitPrompt({ chosen: "same", rejected: "same" })).toThrow(/identical/);
    // never splits a surrogate pair
    const s = splitImplicitPrompt({ chosen: "x\u{1D11E}", rejected: "x\u{1D11F}" });
    expect(s).toEqual({ prompt: "x", chosen: "\u{1D11E}", rejected: "\u{1D11F}" });
  });

  it("implicit prompt (conversational)", () => {
    const implicit = joinImplicitConversation(conv);
    expect(implicit.chosen).toHaveLength(2);
    expect(splitImplicitConversation(implicit)).toEqual(conv);
    expect(toPreferencePair(implicit)).toEqual(pair);
    expect(() => splitImplicitConversation({ chosen: conv.chosen, rejected: conv.rejected })).toThrow(/no leading message/);
    expect(() => splitImplicitConversation({ chosen: conv.prompt, rejected: [...conv.prompt, ...conv.rejected] })).toThrow(
      /chosen has no messages after the shared prompt/,
    );
  });

  it("KTO (unpaired)", () => {
    const kto = preferencePairToKto(pair);
    expect(kto).toEqual([
      { prompt: "2+2?", completion: "4", label: true },
      { prompt: "2+2?", completion: "5", label: false },
    ]);
    expect(ktoToPreferencePairs(kto).pairs).toEqual([pair]);
    expect(() => toPreferencePair(kto[0])).toThrow(/unpaired/);
  });

  it("KTO conversational ↔ text", () => {
    const c = { prompt: conv.prompt, completion: conv.chosen, label: true };
    expect(detectPreferenceFormat(c)).toBe("kto-conversational");
    expect(conversationalKtoToKto(c)).toEqual({ prompt: "2+2?", completion: "4", label: true });
    expect(ktoToConversationalKto({ prompt: "2+2?", completion: "4", label: true })).toEqual(c);
    expect(() => conversationalKtoToKto({ ...c, completion: [...conv.chosen, ...conv.chosen] })).toThrow(/completion must be a single assistant message/);
    expect(() => toPreferencePair(c)).toThrow(/unpaired/);
  });

  it("OpenAI DPO JSONL", () => {
    expect(preferencePairToOpenAiDpo(pair)).toEqual(openai);
    expect(openAiDpoToPreferencePair(openai)).toEqual(pair);
    expect(toPreferencePair(openai)).toEqual(pair);
    expect(openAiDpoToConversational(openai)).toEqual(conv);
    const tools = [{ type: "function", function: { name: "calc" } }];
    expect(conversationalToOpenAiDpo(conv, { tools }).input.tools).toEqual(tools);
    expect(preferencePairToOpenAiDpo(pair, { tools }).input).toEqual({ ...openai.input, tools });
  });

  it("OpenAI DPO: a tool-call turn with null content, and a non-assistant output is an error naming the field", () => {
    const withTool: OpenAiDpoRecord = {
      ...openai,
      preferred_output: [{ role: "assistant" as const, content: null, tool_calls: [{ id: "1" }] }],
    };
    expect(openAiDpoToConversational(withTool).chosen).toEqual([{ role: "assistant", content: "", tool_calls: [{ id: "1" }] }]);
    expect(() => conversationalToOpenAiDpo({ ...conv, chosen: [{ role: "user", content: "4" }] })).toThrow(/chosen\.0\.role/);
    const bad = openAiDpoRecordSchema.safeParse({ ...openai, non_preferred_output: [{ role: "user", content: "5" }] });
    expect(bad.success).toBe(false);
    expect(() => openAiDpoToPreferencePair({ ...openai, non_preferred_output: [] } as never)).toThrow(/non_preferred_output/);
  });

  it("invalid input names the function and field", () => {
    const err = (() => {
      try {
        standardToPreferencePair({ prompt: "p", chosen: 1 } as never);
      } catch (e) {
        return e;
      }
    })();
    expect(RLError.isInstance(err) && err.code).toBe("INVALID_INPUT");
    expect((err as Error).message).toMatch(/^standardToPreferencePair: invalid record: chosen: .*; rejected/);
    expect(() => toPreferencePair({ foo: 1 })).toThrow(/matches no known preference format/);
    expect(() => conversationalToPreferencePair(conv, { promptEncoding: "xml" } as never)).toThrow(/INVALID_CONFIG|invalid config/);
  });
});

describe("detectPreferenceFormat", () => {
  it("recognises each format and rejects others", () => {
    expect(detectPreferenceFormat(pair)).toBe("standard");
    expect(detectPreferenceFormat(conv)).toBe("conversational");
    expect(detectPreferenceFormat({ chosen: "a", rejected: "b" })).toBe("implicit");
    expect(detectPreferenceFormat(joinImplicitConversation(conv))).toBe("implicit-conversational");
    expect(detectPreferenceFormat({ prompt: "p", completion: "c", label: false })).toBe("kto");
    expect(detectPreferenceFormat(openai)).toBe("openai-dpo");
    expect(detectPreferenceFormat({ prompt: "p", chosen: "a", rejected: 3 })).toBeNull();
    expect(detectPreferenceFormat({ prompt: "p", completion: "c", label: "yes" })).toBeNull();
    expect(detectPreferenceFormat({ ...openai, preferred_output: "4" })).toBeNull();
    expect(detectPreferenceFormat(null)).toBeNull();
    expect(detectPreferenceFormat([pair])).toBeNull();
    expect(detectPreferenceFormat("x")).toBeNull();
  });
});

describe("round-trip properties", () => {
  it("pair → standard / conversational / OpenAI → pair is the identity (text encoding)", () => {
    fc.assert(
      fc.property(arbPair, (p) => {
        expect(standardToPreferencePair(preferencePairToStandard(p))).toEqual(p);
        const { margin: _m, id: _i, ...core } = p;
        void _m;
        void _i;
        expect(conversationalToPreferencePair(preferencePairToConversational(p))).toEqual(p);
        expect(openAiDpoToPreferencePair(preferencePairToOpenAiDpo(p))).toEqual(core);
      }),
      { numRuns: 100 },
    );
  });

  it("conversational → pair → conversational is the identity with promptEncoding json", () => {
    fc.assert(
      fc.property(arbConv, arbConv, arbConv, (prompt, chosen, rejected) => {
        const c = { prompt, chosen, rejected };
        const p = conversationalToPreferencePair(c, { promptEncoding: "json" });
        expect(preferencePairToConversational(p, { promptEncoding: "json" })).toEqual(c);
      }),
      { numRuns: 100 },
    );
  });

  it("conversational → OpenAI → conversational is the identity when outputs are assistant turns", () => {
    const arbAssistant = fc.array(fc.record({ role: fc.constant("assistant"), content: fc.string() }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(arbConv, arbAssistant, arbAssistant, (prompt, chosen, rejected) => {
        const c = { prompt, chosen, rejected };
        expect(openAiDpoToConversational(conversationalToOpenAiDpo(c))).toEqual(c);
      }),
      { numRuns: 100 },
    );
  });

  it("implicit text: split(join(r)) preserves the full texts; join(split(x)) is the identity", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (prompt, chosen, rejected) => {
        fc.pre(chosen !== rejected);
        const joined = joinImplicitPrompt({ prompt, chosen, rejected });
        const split = splitImplicitPrompt(joined);
        expect(split.prompt + split.chosen).toBe(prompt + chosen);
        expect(split.prompt + split.rejected).toBe(prompt + rejected);
        expect(joinImplicitPrompt(split)).toEqual(joined);
        expect(split.prompt.length).toBeGreaterThanOrEqual(Math.max(0, prompt.length - 1));
      }),
      { numRuns: 100 },
    );
  });

  it("implicit conversational: split(join(c)) recovers at least the prompt and the full conversations", () => {
    fc.assert(
      fc.property(arbConv, arbConv, arbConv, (prompt, chosen, rejected) => {
        fc.pre(JSON.stringify(chosen[0]) !== JSON.stringify(rejected[0]));
        const c = { prompt, chosen, rejected };
        expect(splitImplicitConversation(joinImplicitConversation(c))).toEqual(c);
      }),
      { numRuns: 100 },
    );
  });

  it("pair → KTO → pairs gives the pair back (minus margin/id) when chosen ≠ rejected", () => {
    fc.assert(
      fc.property(arbPair, (p) => {
        const back = ktoToPreferencePairs(preferencePairToKto(p)).pairs;
        if (p.chosen === p.rejected) expect(back).toEqual([]);
        else expect(back).toEqual([{ prompt: p.prompt, chosen: p.chosen, rejected: p.rejected }]);
      }),
      { numRuns: 100 },
    );
  });
});
