import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tf } from "@rl/core";
import { describe, expect, it } from "vitest";
import { runTextToDpo } from "../src/text-to-dpo/run.js";

describe("examples/text-to-dpo: TRL JSONL → Qwen3 tokenizer + chat template → dpo recipe → save → resume", () => {
  it("held-out preference accuracy rises; the resumed weights are the saved ones; no tensor leaks", async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const r = await runTextToDpo({ checkpoint: join(await mkdtemp(join(tmpdir(), "rl-t2d-")), "dpo.safetensors"), onLog: (l) => lines.push(l) });
    console.log(lines.join("\n"));
    expect(r.rows).toBeGreaterThanOrEqual(200);
    expect(r.resumedExactly).toBe(true);
    expect(r.accuracy.start).toBeLessThan(0.8);
    expect(r.accuracy.checkpoint).toBeGreaterThan(r.accuracy.start);
    expect(r.accuracy.end).toBeGreaterThanOrEqual(r.accuracy.checkpoint);
    expect(r.accuracy.end).toBeGreaterThan(0.9);
    expect(r.heldOutLoss.end).toBeLessThan(r.heldOutLoss.start);
    expect(tf.memory().numTensors).toBe(before);
  });
});
