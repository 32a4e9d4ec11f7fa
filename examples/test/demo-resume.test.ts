import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tf } from "@rl/core";
import { describe, expect, it } from "vitest";
import { runDemo, type DemoOptions, type DemoPhase } from "../src/demo.js";

// A tiny budget: every phase runs, and RL saves every 2 of its 6 steps.
const tiny: DemoOptions = {
  quick: true,
  verbose: false,
  seed: 3,
  saveSteps: 2,
  budget: {
    sftSteps: 8,
    rmTrainProblems: 8,
    rmHeldOutProblems: 8,
    rmSyntheticProblems: 8,
    rlSteps: 6,
    rlPrompts: 4,
    rlGroup: 4,
    rlEvalEvery: 3,
    rlRewardWindow: 2,
    prefProblems: 8,
    prefSteps: 2,
  },
};

/** metrics.json without the wall-clock fields. */
function numbers(out: string): unknown {
  return JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"), (k, v: unknown) => (k === "seconds" ? undefined : v));
}

class Stop extends Error {}

describe("demo: stop and resume", () => {
  it("a run stopped after a checkpoint and resumed gives the numbers of the uninterrupted run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-demo-resume-"));
    const before = tf.memory().numTensors;
    const saved: string[] = [];
    await runDemo({ ...tiny, out: join(dir, "a"), checkpoint: join(dir, "a.safetensors"), onCheckpoint: (c) => void saved.push(`${c.phase}@${c.step}`) });
    expect(saved).toEqual(["sft@0", "rewardModel@0", "grpo@2", "grpo@4", "grpo@0", "tempo@2", "tempo@4", "tempo@0", "dpo@0", "simpo@0"]);
    const expected = numbers(join(dir, "a"));

    // Stop mid-GRPO (after the step-4 checkpoint), resume; then stop after the reward model, resume.
    const stops: [DemoPhase, number][] = [["grpo", 4], ["rewardModel", 0]];
    for (const [k, [phase, step]] of stops.entries()) {
      const ckpt = join(dir, `b${k}.safetensors`);
      const stop = (c: { phase: DemoPhase; step: number }) => {
        if (c.phase === phase && c.step === step) throw new Stop();
      };
      await expect(runDemo({ ...tiny, out: join(dir, `b${k}`), checkpoint: ckpt, onCheckpoint: stop })).rejects.toBeInstanceOf(Stop);
      expect(tf.memory().numTensors).toBe(before);
      const resumed: string[] = [];
      await runDemo({ ...tiny, out: join(dir, `b${k}`), checkpoint: ckpt, resume: true, onCheckpoint: (c) => void resumed.push(`${c.phase}@${c.step}`) });
      expect(resumed).toEqual(saved.slice(saved.indexOf(`${phase}@${step}`) + 1));
      expect(numbers(join(dir, `b${k}`))).toEqual(expected);
      expect(tf.memory().numTensors).toBe(before);
    }
  }, 600_000);

  it("refuses a checkpoint from another run, and resume without a checkpoint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-demo-resume-"));
    const ckpt = join(dir, "c.safetensors");
    const stop = () => {
      throw new Stop();
    };
    await expect(runDemo({ ...tiny, out: dir, checkpoint: ckpt, onCheckpoint: stop })).rejects.toBeInstanceOf(Stop);
    await expect(runDemo({ ...tiny, seed: 4, out: dir, checkpoint: ckpt, resume: true })).rejects.toThrow(/written by a run with seed 3, this run has 4/);
    await expect(runDemo({ ...tiny, out: dir, resume: true })).rejects.toThrow(/resume needs a checkpoint path/);
    await expect(runDemo({ ...tiny, out: dir, checkpoint: join(dir, "missing.safetensors"), resume: true })).rejects.toThrow(/cannot read/);
  }, 300_000);
});
