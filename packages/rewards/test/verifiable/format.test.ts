import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core";
import { regexFormatReward, tagStructureReward } from "../../src/index.js";
import { THINK_ANSWER_FORMAT_PATTERN } from "../../src/verifiable/index.js";

describe("regexFormatReward (spec §18)", () => {
  it.each([
    ["<think>\nr\n</think>\nans", 1],
    ["<think>\nr\nans", 0],
    ["x<think>r</think>a", 0],
    ["<think>a<think>b</think>c", 0],
    ["<think></think>", 1],
    ["<think>a</think>b</think>", 1],
    [" <think>a</think>", 0],
  ])("TRL pattern: %j -> %d", (s, want) => {
    expect(regexFormatReward(s)).toBe(want);
  });
  it("BLEUBERI pattern fails on a newline (no DOTALL)", () => {
    const cfg = { pattern: THINK_ANSWER_FORMAT_PATTERN };
    expect(regexFormatReward("<think>a</think><answer>b</answer>", cfg)).toBe(1);
    expect(regexFormatReward("<think>a</think>\n<answer>b</answer>", cfg)).toBe(0);
  });
  it("modes and a global regex stay pure", () => {
    const g = /ab/g;
    expect(regexFormatReward("xab", { pattern: g })).toBe(0);
    expect(regexFormatReward("xab", { pattern: g, mode: "search" })).toBe(1);
    expect(regexFormatReward("xab", { pattern: g, mode: "search" })).toBe(1);
    expect(regexFormatReward("abx", { pattern: /ab/, mode: "full" })).toBe(0);
    expect(regexFormatReward("ab", { pattern: /ab/, mode: "full", matched: 0.5 })).toBe(0.5);
  });
  it("bad config", () => {
    expect(() => regexFormatReward("a", { pattern: "ab" as unknown as RegExp })).toThrow(RLError);
  });
});

describe("tagStructureReward", () => {
  it("order, uniqueness, outside text, partial credit", () => {
    expect(tagStructureReward("<think>r</think>\n<answer>4</answer>")).toBe(1);
    expect(tagStructureReward("<answer>4</answer><think>r</think>")).toBe(0);
    expect(tagStructureReward("<think>r</think><think>s</think><answer>4</answer>")).toBe(0);
    expect(tagStructureReward("<think><answer>4</think></answer>")).toBe(0);
    expect(tagStructureReward("hi <think>r</think><answer>4</answer>")).toBe(1);
    expect(tagStructureReward("hi <think>r</think><answer>4</answer>", { strictOutside: true })).toBe(0);
    expect(tagStructureReward(" <think>r</think> <answer>4</answer>\n", { strictOutside: true })).toBe(1);
    expect(tagStructureReward("<think>r</think>", { partialCredit: true })).toBe(0.5);
    expect(tagStructureReward("</think>r<think>")).toBe(0);
  });
  it("bad config", () => {
    expect(() => tagStructureReward("x", { tags: [] })).toThrow(RLError);
    expect(() => tagStructureReward("x", { tags: ["a", "a"] })).toThrow(/duplicates/);
    expect(() => tagStructureReward("x", { tags: ["<a>"] })).toThrow(/tagStructureReward/);
  });
});
