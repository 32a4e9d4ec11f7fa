import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RLError } from "@rl/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cachedGenerativeJudge,
  createChatCompletionsGenerativeJudge,
  spctPrompt,
  spctReward,
  type GenerativeJudge,
} from "../../src/index.js";
import { parseSpctScores } from "../../src/rubric/index.js";

const scripted = (texts: readonly string[]): GenerativeJudge & { calls: number[] } => {
  const calls: number[] = [];
  const f = (async (_m, j) => {
    calls.push(j);
    return texts[j] as string;
  }) as GenerativeJudge & { calls: number[] };
  f.calls = calls;
  return f;
};

describe("parseSpctScores (DeepSeek-GRM extract_last_floats, strict)", () => {
  it("parses the boxed and bracket formats, the last one wins", () => {
    expect(parseSpctScores("Scores: \\boxed{7, 4}", 2)).toEqual({ scores: [7, 4], error: null });
    expect(parseSpctScores("Scores: \\\\boxed{ 7 ,4 }", 2)).toEqual({ scores: [7, 4], error: null });
    expect(parseSpctScores("Final Scores: [[8, 3]]", 2)).toEqual({ scores: [8, 3], error: null });
    expect(parseSpctScores("draft \\boxed{1, 1}\n… revised: \\boxed{9, 2}", 2).scores).toEqual([9, 2]);
    expect(parseSpctScores("Score: \\boxed{10}", 1).scores).toEqual([10]);
  });
  it("number for number against the model card's extract_last_floats (outputs recorded from the Python function)", () => {
    // [text, extract_last_floats(text)]; where the card keeps a partial list we call the judgement malformed
    const official: [string, number[]][] = [
      ["Scores: \\boxed{7, 4}", [7, 4]],
      ["Scores: \\\\boxed{ 7 ,4 }", [7, 4]],
      ["a \\boxed{1, 1} b \\boxed{9, 2}", [9, 2]],
      ["Score: \\boxed{10}", [10]],
      ["see [3] then \\boxed{5, 6}", [5, 6]],
      ["\\boxed{6,5,4}", [6, 5, 4]],
      ["no box", []],
      ["\\boxed{7, four}", [7]],
      ["Final Scores: [[8, 3]]", [3]],
    ];
    for (const [text, floats] of official.slice(0, 6)) expect(parseSpctScores(text, floats.length).scores).toEqual(floats);
    expect(parseSpctScores("no box", 1).scores).toBeNull();
    expect(parseSpctScores("\\boxed{7, four}", 2).scores).toBeNull(); // card: [7], silently
    expect(parseSpctScores("Final Scores: [[8, 3]]", 2).scores).toEqual([8, 3]); // card: [3]
  });
  it("malformed judgements are reported, never thrown", () => {
    expect(parseSpctScores("I think the first one is better.", 2)).toEqual({ scores: null, error: "no \\boxed{…} or […] with scores" });
    expect(parseSpctScores("\\boxed{7}", 2).error).toBe("expected 2 scores, found 1");
    expect(parseSpctScores("\\boxed{7, four}", 2).error).toMatch(/not a number: "four"/);
    expect(parseSpctScores("\\boxed{7.5, 4}", 2).error).toMatch(/not an integer/);
    expect(parseSpctScores("\\boxed{7.5, 4}", 2, { integer: false }).scores).toEqual([7.5, 4]);
    expect(parseSpctScores("\\boxed{11, 4}", 2).error).toMatch(/outside \[1, 10\]/);
    expect(parseSpctScores("\\boxed{0, 4}", 2).error).toMatch(/outside/);
    expect(parseSpctScores("\\boxed{}", 1).scores).toBeNull();
  });
  it("bad arguments are RLErrors", () => {
    expect(() => parseSpctScores(3 as never, 1)).toThrow(RLError);
    expect(() => parseSpctScores("x", 0)).toThrow(/nResponses/);
    expect(() => parseSpctScores("x", 1, { minScore: "a" } as never)).toThrow(RLError);
  });
  it("property: any in-range integer scores round-trip", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 6 }), (s) => {
        expect(parseSpctScores(`Analysis: … Scores: \\boxed{${s.join(", ")}}`, s.length).scores).toEqual(s);
      }),
    );
  });
});

describe("spctReward: voting by sum", () => {
  it("worked example: 4 samples, one malformed", async () => {
    const judge = scripted(["Scores: \\boxed{7, 4}", "Scores: \\boxed{6, 6}", "no score", "Scores: \\boxed{8, 3}"]);
    const r = await spctReward("q", ["a", "b"], judge, { k: 4 });
    expect(judge.calls.sort()).toEqual([0, 1, 2, 3]);
    expect(r.rewards).toEqual([21, 13]);
    expect(r.meanScores).toEqual([7, 13 / 3]);
    expect(r.best).toEqual([0]);
    expect(r.kept).toBe(3);
    expect(r.malformed).toBe(1);
    expect(r.judgements[2]).toMatchObject({ sample: 2, scores: null, kept: false, error: "no \\boxed{…} or […] with scores" });
  });
  it("ties are reported; voting can break a single judgement's tie", async () => {
    const tie = await spctReward("q", ["a", "b", "c"], scripted(["\\boxed{5, 7, 7}", "\\boxed{6, 6, 6}"]), { k: 2 });
    expect(tie.rewards).toEqual([11, 13, 13]);
    expect(tie.best).toEqual([1, 2]);
    const broken = await spctReward("q", ["a", "b"], scripted(["\\boxed{6, 6}", "\\boxed{7, 6}", "\\boxed{6, 6}"]), { k: 3 });
    expect(broken.best).toEqual([0]);
  });
  it("all malformed → null rewards (no signal), counted", async () => {
    const r = await spctReward("q", ["a", "b"], scripted(["x", "\\boxed{1}", "\\boxed{3, 99}"]), { k: 3 });
    expect(r).toMatchObject({ rewards: null, meanScores: null, best: [], kept: 0, malformed: 3 });
  });
  it("meta-RM guided voting keeps the top kMeta judgements", async () => {
    const texts = ["\\boxed{9, 1}", "\\boxed{2, 8}", "broken", "\\boxed{3, 7}", "\\boxed{10, 1}"];
    // the meta RM trusts judgements that prefer response 1 (index 1)
    const metaRm = ({ scores }: { scores: readonly number[] }) => scores[1]! - scores[0]!;
    const r = await spctReward("q", ["a", "b"], scripted(texts), { k: 5, kMeta: 2, metaRm });
    expect(r.judgements.map((j) => j.kept)).toEqual([false, true, false, true, false]);
    expect(r.judgements.map((j) => j.metaScore)).toEqual([-8, 6, null, 4, -9]);
    expect(r.rewards).toEqual([5, 15]);
    expect(r.kept).toBe(2);
    expect(r.malformed).toBe(1);
    // plain voting over the same samples prefers response 0
    expect((await spctReward("q", ["a", "b"], scripted(texts), { k: 5 })).rewards).toEqual([24, 17]);
    // meta ties keep the earlier sample
    const tied = await spctReward("q", ["a", "b"], scripted(["\\boxed{1, 2}", "\\boxed{3, 4}", "\\boxed{5, 6}"]), { k: 3, kMeta: 2, metaRm: () => 0 });
    expect(tied.judgements.map((j) => j.kept)).toEqual([true, true, false]);
  });
  it("property: sum voting is the per-response sum of the parsed scores, and permutation-equivariant", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }), async (rows) => {
        const r = await spctReward("q", ["a", "b", "c"], scripted(rows.map((s) => `\\boxed{${s.join(", ")}}`)), { k: rows.length });
        expect(r.rewards).toEqual([0, 1, 2].map((i) => rows.reduce((t, s) => t + s[i]!, 0)));
        const rev = await spctReward("q", ["c", "b", "a"], scripted(rows.map((s) => `\\boxed{${[...s].reverse().join(", ")}}`)), { k: rows.length });
        expect(rev.rewards).toEqual([...(r.rewards as number[])].reverse());
      }),
      { numRuns: 30 },
    );
  });
  it("bad config and bad plug-ins are RLErrors", async () => {
    const j = scripted(["\\boxed{1, 2}"]);
    await expect(spctReward("q", ["a", "b"], j, { kMeta: 1 })).rejects.toThrow(/metaRm is missing/);
    await expect(spctReward("q", ["a", "b"], j, { k: 2, kMeta: 3, metaRm: () => 1 })).rejects.toThrow(/kMeta \(3\) must be at most k \(2\)/);
    await expect(spctReward("q", [], j)).rejects.toThrow(RLError);
    await expect(spctReward("q", ["a", "b"], j, { k: 0 })).rejects.toThrow(RLError);
    await expect(spctReward("q", ["a", "b"], j, { k: 1, kMeta: 1, metaRm: () => Number.NaN })).rejects.toThrow(/metaRm returned NaN/);
    await expect(spctReward("q", ["a"], "judge" as never)).rejects.toThrow(/judge must be a function/);
  });
  it("spctPrompt lays out principles, critique and the scores box", () => {
    const [m] = spctPrompt("Why is the sky blue?", ["Rayleigh scattering.", "Because."]);
    expect(m!.role).toBe("user");
    expect(m!.content).toContain("User: Why is the sky blue?");
    expect(m!.content).toContain("[The Begin of Response 2]\nBecause.\n[The End of Response 2]");
    expect(m!.content).toContain("\\boxed{x, x} for 2 responses");
    expect(() => spctPrompt("q", [])).toThrow(RLError);
  });
});

describe("spctReward over the chat-completions client and the cache (local fake server, no network)", () => {
  let server: Server;
  let baseUrl: string;
  const seen: { temperature: unknown; content: string }[] = [];
  let n = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const b = JSON.parse(body) as { temperature: unknown; messages: { content: string }[] };
        seen.push({ temperature: b.temperature, content: b.messages[0]!.content });
        const k = n++;
        const content = k % 3 === 2 ? "Scores: unparsable" : `Specific Criteria: accuracy (60%), clarity (40%).\nAnalysis: …\nScores: \\boxed{${8 - (k % 3)}, ${3 + (k % 3)}}`;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  it("k samples are k requests; the cache answers a repeat without new requests", async () => {
    const judge = cachedGenerativeJudge(createChatCompletionsGenerativeJudge({ baseUrl, model: "grm", apiKeyEnv: null, concurrency: 1 }));
    const r = await spctReward("What is 2+2?", ["4", "5"], judge, { k: 3 });
    expect(seen.length).toBe(3);
    expect(seen[0]!.temperature).toBe(0.7);
    expect(seen[0]!.content).toContain("User: What is 2+2?");
    expect(r.rewards).toEqual([8 + 7, 3 + 4]);
    expect(r.malformed).toBe(1);
    const again = await spctReward("What is 2+2?", ["4", "5"], judge, { k: 3 });
    expect(seen.length).toBe(3);
    expect(again.rewards).toEqual(r.rewards);
    expect(judge.stats()).toEqual({ hits: 3, misses: 3, size: 3 });
    judge.clear();
    expect(judge.stats().size).toBe(0);
  });
});
