import { readFileSync } from "node:fs";
import { RLError } from "@rl/core";
import { preferencePairToConversational } from "@rl/core/data";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rewardAugmentedPairs, rewardConditionedSystemPrompt, type ScoredPreferencePair } from "../../src/index.js";

type Msg = { role: string; content: string };
const ref = JSON.parse(readFileSync(new URL("./fixtures/reward-augmented-ref.json", import.meta.url), "utf8")) as {
  inputs: ScoredPreferencePair[];
  system: { chosen: Msg[]; rejected: Msg[] }[];
  nosys: { chosen: Msg[]; rejected: Msg[] }[];
};
const SYS9 =
  "You are an assistant that generates responses for the instruction while implicitly achieving the following target scores (on a scale of 1-10, where 1 is lowest and 10 is highest):\nOverall score: 9.";

describe("rewardConditionedSystemPrompt (reference system_prompt)", () => {
  it("prints scores as the reference's Python does", () => {
    expect(rewardConditionedSystemPrompt(9)).toBe(SYS9);
    expect(rewardConditionedSystemPrompt(9.0)).toBe(SYS9);
    expect(rewardConditionedSystemPrompt(7.5).endsWith("Overall score: 7.5.")).toBe(true);
    expect(rewardConditionedSystemPrompt(0.00001).endsWith("Overall score: 1e-05.")).toBe(true); // Python repr
    expect(rewardConditionedSystemPrompt(-2).endsWith("Overall score: -2.")).toBe(true);
    expect(() => rewardConditionedSystemPrompt(Number.NaN)).toThrow(RLError);
  });
});

describe("rewardAugmentedPairs", () => {
  it("worked example: one pair becomes two, the second flipped under the rejected reward", () => {
    const r = rewardAugmentedPairs([{ prompt: "What is 2+2?", chosen: "4", rejected: "5", chosenReward: 9, rejectedReward: 3, margin: 1.5, id: "q1" }], { placement: "prompt" });
    expect(r.pairs).toEqual([
      { prompt: `${SYS9}\n\nWhat is 2+2?`, chosen: "4", rejected: "5", margin: 1.5, id: "q1#chosen-goal" },
      { prompt: `${SYS9.replace("score: 9.", "score: 3.")}\n\nWhat is 2+2?`, chosen: "5", rejected: "4", id: "q1#rejected-goal" },
    ]);
    expect(r.targets).toEqual([
      { target: 9, goal: "chosen", source: 0 },
      { target: 3, goal: "rejected", source: 0 },
    ]);
    expect(r.dropped).toEqual([]);
  });
  it("byte for byte the reference's add_pos_goal / add_neg_goal (system placement), in its order", () => {
    const r = rewardAugmentedPairs(ref.inputs);
    expect(r.pairs.length).toBe(ref.system.length);
    r.pairs.forEach((p, k) => {
      const conv = preferencePairToConversational(p, { promptEncoding: "json" });
      const want = ref.system[k]!;
      // the reference keeps whole conversations: [system, user, assistant] on each side
      const norm = (ms: Msg[]) => ms.map((m) => ({ role: m.role, content: m.content }));
      expect(norm([...conv.prompt, ...conv.chosen] as Msg[])).toEqual(norm(want.chosen));
      expect(norm([...conv.prompt, ...conv.rejected] as Msg[])).toEqual(norm(want.rejected));
    });
  });
  it("prompt placement: positive half equals the reference's _nosys rows; negative half follows the paper (the _nosys script neither swaps nor prefixes once)", () => {
    const r = rewardAugmentedPairs(ref.inputs, { placement: "prompt" });
    const n = ref.inputs.length;
    for (let i = 0; i < n; i++) {
      const want = ref.nosys[i]!;
      expect(r.pairs[i]).toMatchObject({ prompt: want.chosen[0]!.content, chosen: want.chosen[1]!.content, rejected: want.rejected[1]!.content });
      // the reference's negative row: chosen still y_w, and its rejected prompt prefixed twice
      const bug = ref.nosys[n + i]!;
      expect(bug.chosen[1]!.content).toBe(ref.inputs[i]!.chosen);
      expect(r.pairs[n + i]).toMatchObject({ prompt: bug.chosen[0]!.content, chosen: ref.inputs[i]!.rejected, rejected: ref.inputs[i]!.chosen });
    }
  });
  it("order, filters", () => {
    const input: ScoredPreferencePair[] = [
      { prompt: "a", chosen: "A1", rejected: "A2", chosenReward: 8, rejectedReward: 4 },
      { prompt: "b", chosen: "B1", rejected: "B2", chosenReward: 5, rejectedReward: 5 },
      { prompt: "c", chosen: "C1", rejected: "C2", chosenReward: 2, rejectedReward: 6 },
    ];
    const blocks = rewardAugmentedPairs(input, { placement: "prompt" });
    expect(blocks.targets.map((t) => `${t.source}${t.goal[0]}`)).toEqual(["0c", "1c", "2c", "0r", "1r", "2r"]);
    const inter = rewardAugmentedPairs(input, { placement: "prompt", order: "interleaved" });
    expect(inter.targets.map((t) => `${t.source}${t.goal[0]}`)).toEqual(["0c", "0r", "1c", "1r", "2c", "2r"]);
    const filtered = rewardAugmentedPairs(input, { dropInverted: true, dropTies: true });
    expect(filtered.pairs.length).toBe(2);
    expect(filtered.dropped).toEqual([
      { index: 1, reason: "tie" },
      { index: 2, reason: "inverted" },
    ]);
    const custom = rewardAugmentedPairs([input[0]!], { placement: "prompt", systemPrompt: (s) => `<score=${s}>` });
    expect(custom.pairs.map((p) => p.prompt)).toEqual(["<score=8>\n\na", "<score=4>\n\na"]);
    expect(rewardAugmentedPairs([])).toEqual({ pairs: [], targets: [], dropped: [] });
  });
  it("property: twice the pairs, every response kept, the flipped half swaps chosen and rejected", () => {
    const arb = fc.record({ prompt: fc.string(), chosen: fc.string(), rejected: fc.string(), chosenReward: fc.integer({ min: 1, max: 10 }), rejectedReward: fc.integer({ min: 1, max: 10 }) });
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 8 }), (input) => {
        const r = rewardAugmentedPairs(input, { placement: "prompt" });
        expect(r.pairs.length).toBe(2 * input.length);
        input.forEach((p, i) => {
          const a = r.pairs[i]!;
          const b = r.pairs[input.length + i]!;
          expect([a.chosen, a.rejected, b.chosen, b.rejected]).toEqual([p.chosen, p.rejected, p.rejected, p.chosen]);
          expect(a.prompt.endsWith(`\n\n${p.prompt}`)).toBe(true);
          expect(b.prompt).toBe(`${rewardConditionedSystemPrompt(p.rejectedReward)}\n\n${p.prompt}`);
        });
      }),
    );
  });
  it("bad input is an RLError naming the pair and the field", () => {
    expect(() => rewardAugmentedPairs([{ prompt: "a", chosen: "b", rejected: "c", chosenReward: Number.NaN, rejectedReward: 1 }])).toThrow(/pairs\[0\].*chosenReward/);
    expect(() => rewardAugmentedPairs([{ prompt: "a", chosen: "b", rejected: "c" } as never])).toThrow(/rejectedReward/);
    expect(() => rewardAugmentedPairs("x" as never)).toThrow(RLError);
    expect(() => rewardAugmentedPairs([], { placement: "middle" } as never)).toThrow(RLError);
    expect(() => rewardAugmentedPairs([{ prompt: "a", chosen: "b", rejected: "c", chosenReward: 1, rejectedReward: 1 }], { systemPrompt: () => 3 as never })).toThrow(/systemPrompt returned number/);
  });
});
