import { tf } from "@rl/core";
import { describe, expect, it } from "vitest";
import { runVllmToGrpo } from "../src/vllm-to-grpo/run.js";

describe("examples/vllm-to-grpo: vLLM JSON + prompt text → chat template → rollout groups → grpo recipe", () => {
  it("the policy moves toward the rewarded completions; TRL metrics per step; no leaks", async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const r = await runVllmToGrpo({ onLog: (l) => lines.push(l) });
    console.log(lines.join("\n"));
    expect(r.groups).toBe(8);
    expect(r.responses).toBe(32);
    expect(r.reward).toBe(0.5); // two of four answers right in each group
    expect(r.history).toHaveLength(30);
    expect(r.history[0]?.["completions/clipped_ratio"]).toBe(0.25);
    expect(r.preferenceGap.end).toBeGreaterThan(r.preferenceGap.start + 0.5);
    expect(tf.memory().numTensors).toBe(before);
  });
});
