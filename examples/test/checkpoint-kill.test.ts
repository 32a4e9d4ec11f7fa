import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adamW, grpoLoss, trainStep } from "@rl/alignment";
import { createRng, tf } from "@rl/core";
import { loadCheckpoint, restoreCheckpoint } from "@rl/core/runs";
import { describe, expect, it } from "vitest";

const here = new URL("..", import.meta.url).pathname;

// The run both sides share: a table policy trained by trainStep + adamW on rng-drawn batches.
const runSource = `
export function makeRun(seed) {
  const table = tf.variable(tf.randomNormal([6, 6], 0, 0.5, "float32", seed), true, "table-" + seed);
  const model = (ids) => tf.gather(table, tf.cast(ids, "int32"));
  const opt = adamW([table], { learningRate: 0.05 });
  return { table, model, opt, state: opt.init() };
}
export function step(run, rng) {
  const rows = Array.from({ length: 4 }, () => [rng.int(6), rng.int(6), rng.int(6)]);
  const adv = rows.map(() => { const a = rng.normal(); return [0, a, a]; });
  const batch = { tokenIds: tf.tensor2d(rows, undefined, "int32"), lossMask: tf.tensor2d(rows.map(() => [0, 1, 1])), advantages: tf.tensor2d(adv) };
  const out = trainStep(run.model, batch, (lp, b, ctx) => grpoLoss({ logProbs: lp, advantages: b.advantages, mask: ctx.mask }, { lossType: "grpo" }), run.opt, run.state);
  tf.dispose([batch.tokenIds, batch.lossMask, batch.advantages]);
  run.state = out.state;
  return [out.metrics.loss, out.metrics.gradNorm];
}
`;

const childSource = (path: string) => `
import { ready, tf, createRng } from "@rl/core";
import { adamW, grpoLoss, trainStep } from "@rl/alignment";
import { saveCheckpoint } from "@rl/core/runs";
${runSource}
await ready();
const run = makeRun(1);
const rng = createRng(7);
for (let i = 0; i < 3; i++) step(run, rng);
await saveCheckpoint(${JSON.stringify(path)}, { variables: [run.table], optimizerState: run.state, step: run.state.step, rng, metadata: { seed: 1 } });
const next = step(run, rng);
console.log("next " + JSON.stringify({ next, table: Array.from(run.table.dataSync()) }));
await saveCheckpoint(${JSON.stringify(path)}, { variables: [run.table], optimizerState: run.state, step: run.state.step, rng }, {
  chunkSize: 64,
  onChunkWritten: async (written) => { if (written === 128) { console.log("mid-save"); await new Promise((r) => setTimeout(r, 60000)); } },
});
console.log("second save finished (should never print)");
`;

describe("resumable runs: save → SIGKILL mid-save → load → identical next step", () => {
  it("the reloaded run computes the same loss, gradient norm and weights as the uninterrupted one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rl-resume-"));
    const path = join(dir, "ckpt.safetensors");
    await mkdir(join(here, ".tmp"), { recursive: true });
    const script = join(here, ".tmp", "resume-child.mjs");
    await writeFile(script, childSource(path));
    const child = spawn(process.execPath, [script], { cwd: here, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("mid-save")) child.kill("SIGKILL");
      });
      child.on("exit", () => resolve());
      child.on("error", reject);
    });
    expect(out).toContain("mid-save");
    expect(out).not.toContain("should never print");
    const expected = JSON.parse(/next (.*)\n/.exec(out)?.[1] ?? "null") as { next: number[]; table: number[] };

    // A fresh run from another seed, restored from the last whole checkpoint (step 3).
    const table = tf.variable(tf.randomNormal([6, 6], 0, 0.5, "float32", 99), true);
    const model = (ids: tf.Tensor2D) => tf.gather(table, tf.cast(ids, "int32")) as unknown as tf.Tensor3D;
    const opt = adamW([table], { learningRate: 0.05 });
    const restored = restoreCheckpoint(await loadCheckpoint(path), { variables: [table], optimizerState: opt.init() });
    expect(restored.step).toBe(3);
    expect(restored.metadata).toEqual({ seed: 1 });
    const rng = restored.rng ?? createRng(0);
    const rows = Array.from({ length: 4 }, () => [rng.int(6), rng.int(6), rng.int(6)]);
    const adv = rows.map(() => {
      const a = rng.normal();
      return [0, a, a];
    });
    const batch = { tokenIds: tf.tensor2d(rows, undefined, "int32"), lossMask: tf.tensor2d(rows.map(() => [0, 1, 1])), advantages: tf.tensor2d(adv) };
    const state = restored.optimizerState ?? opt.init();
    const res = trainStep(model, batch, (lp, b, ctx) => grpoLoss({ logProbs: lp, advantages: b.advantages, mask: ctx.mask }, { lossType: "grpo" }), opt, state);
    expect([res.metrics.loss, res.metrics.gradNorm]).toEqual(expected.next);
    expect(Array.from(table.dataSync())).toEqual(expected.table);
    // the killed save left its temporary file beside the checkpoint, never in its place
    expect((await readdir(dir)).filter((f) => !f.startsWith("."))).toEqual(["ckpt.safetensors"]);
    tf.dispose([batch.tokenIds, batch.lossMask, batch.advantages, table]);
    opt.dispose(res.state);
  });
});
