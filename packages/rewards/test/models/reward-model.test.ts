import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RLError, createRng, tf } from "@rl/core";
import { describe, expect, it } from "vitest";
import {
  type FitProgress,
  type PreferenceExample,
  type ScalarExample,
  type StepExample,
  buildPrmExample,
  createEmbeddingEncoder,
  createRewardModel,
} from "../../src/index.js";
import { loadVariables, saveVariables, writeFileAtomic as deprecatedWriteFileAtomic } from "../../src/models/checkpoint.js";
import { codeOf } from "./helpers.js";

const VOCAB = 16;

/** Synthetic preferences: the true reward of a sequence is the mean of fixed per-token weights. */
function preferenceData(n: number, seed: number): PreferenceExample[] {
  const rng = createRng(seed);
  const weights = Array.from({ length: VOCAB }, (_, k) => Math.sin(1.7 * k + 0.3));
  const seq = (): number[] => Array.from({ length: 4 + rng.int(6) }, () => 1 + rng.int(VOCAB - 1));
  const truth = (s: number[]): number => s.reduce((a, t) => a + (weights[t] as number), 0) / s.length;
  const out: PreferenceExample[] = [];
  while (out.length < n) {
    const a = seq();
    const b = seq();
    if (Math.abs(truth(a) - truth(b)) < 0.05) continue;
    out.push(truth(a) > truth(b) ? { chosenIds: a, rejectedIds: b } : { chosenIds: b, rejectedIds: a });
  }
  return out;
}

/** Synthetic PRM data: steps are single tokens, a step is correct when its token is below 8; separator 1. */
function stepData(n: number, seed: number): { example: StepExample; stepEnds: number[]; truth: number[] }[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const steps = Array.from({ length: 2 + rng.int(4) }, () => [2 + rng.int(VOCAB - 2)]);
    const labels = steps.map((s) => ((s[0] as number) < 8 ? 1 : 0));
    const ex = buildPrmExample({ promptIds: [15], stepIds: steps, separatorIds: [1], labels });
    const stepEnds = ex.labels.flatMap((l, k) => (l === -100 ? [] : [k]));
    return { example: { inputIds: ex.inputIds, labels: ex.labels }, stepEnds, truth: labels };
  });
}

describe("createRewardModel (Bradley–Terry)", () => {
  it("reaches ≥ 0.9 held-out pairwise accuracy on synthetic preferences, with progress and no leak", async () => {
    const start = Date.now();
    const train = preferenceData(300, 1);
    const test = preferenceData(200, 2);
    const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 16, seed: 0 }), { seed: 0 });
    const before = tf.memory().numTensors;
    const progress: FitProgress[] = [];
    const result = await rm.fit(train, { epochs: 20, batchSize: 32, learningRate: 0.02, validationSplit: 0.2, patience: 4, seed: 5, onProgress: (p) => progress.push(p) });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress.length).toBe(result.history.length);
    expect(progress[0]?.valAccuracy).not.toBeNull();
    const rc = rm.score(test.map((p) => p.chosenIds));
    const rr = rm.score(test.map((p) => p.rejectedIds));
    const acc = rc.filter((c, k) => c > (rr[k] as number)).length / test.length;
    expect(acc).toBeGreaterThanOrEqual(0.9);
    expect(Date.now() - start).toBeLessThan(30_000);
    rm.dispose();
    expect(tf.memory().numTensors).toBe(before - 4);
  });

  it("scores left-padded input with an explicit mask like the unpadded rows", () => {
    const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 8 }));
    const plain = rm.score([[3, 4, 5]]);
    const right = rm.score([[3, 4, 5, 0]], [[1, 1, 1, 0]]);
    expect(right[0]).toBeCloseTo(plain[0] as number, 5);
    rm.dispose();
  });

  it("early stopping restores the best weights and rejects patience without validation", async () => {
    const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 8 }));
    const data = preferenceData(60, 3);
    await expect(rm.fit(data, { patience: 2 })).rejects.toThrow(/validationSplit/);
    const res = await rm.fit(data, { epochs: 40, learningRate: 0.5, validationSplit: 0.3, patience: 2 });
    expect(res.bestEpoch).toBeGreaterThan(0);
    if (res.stoppedEarly) expect(res.history.length).toBeLessThan(40);
    rm.dispose();
  });

  it("validates the data", async () => {
    const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 4 }));
    await expect(rm.fit([])).rejects.toThrow(/data is empty/);
    await expect(rm.fit([{ chosenIds: [1], rejectedIds: [2], margin: 1 }, { chosenIds: [1], rejectedIds: [2] }])).rejects.toThrow(/margin/);
    await expect(rm.fit([{ chosenIds: [], rejectedIds: [2] }])).rejects.toSatisfy((e) => RLError.isInstance(e) && e.code === "INVALID_INPUT");
    expect(codeOf(() => rm.scoreSteps([[1]], [[0]]))).toBe("INVALID_INPUT");
    rm.dispose();
  });
});

describe("createRewardModel (parts: nested configs, optimizer)", () => {
  it("a misspelt key in a nested loss config throws RLError INVALID_CONFIG (it used to pass silently)", () => {
    const enc = createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 4 });
    const before = tf.memory().numTensors;
    expect(codeOf(() => createRewardModel(enc, { bradleyTerry: { taus: 2 } } as never))).toBe("INVALID_CONFIG");
    expect(() => createRewardModel(enc, { bradleyTerry: { taus: 2 } } as never)).toThrow(/taus/);
    expect(codeOf(() => createRewardModel(enc, { objective: "process", process: { mod: "soft" } } as never))).toBe("INVALID_CONFIG");
    expect(codeOf(() => createRewardModel(enc, { bradleyTerry: { tau: -1 } }))).toBe("INVALID_CONFIG");
    expect(tf.memory().numTensors).toBe(before); // nothing allocated before the config is refused
    const ok = createRewardModel(enc, { bradleyTerry: { tau: 2, labelSmoothing: 0.1 }, process: { mode: "soft" } });
    ok.dispose();
  });

  it("fit with core's Adam transform gives the numbers tf.train.adam gave (seeded run, before the split)", async () => {
    // Scores recorded with the previous fit loop (tf.train.adam, ε 1e-7) on the same seeded run;
    // the loop now uses core's adamWTransform (weight decay 0, ε 1e-7): same formula, float32 rounding apart.
    const probe = [[3, 4, 5], [7, 7, 2, 9], [1, 2, 3, 4, 5, 6]];
    const bt = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 16, seed: 0 }), { seed: 0 });
    const r = await bt.fit(preferenceData(120, 1), { epochs: 6, batchSize: 32, learningRate: 0.02, validationSplit: 0.2, patience: 3, seed: 5 });
    bt.score(probe).forEach((s, k) => expect(s).toBeCloseTo([2.524266481399536, -2.390789031982422, 2.12276554107666][k] as number, 3));
    expect(r.history.at(-1)!.valLoss).toBeCloseTo(0.44231411814689636, 4);
    bt.dispose();
    const prm = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 16, seed: 2 }), { objective: "process" });
    const steps = stepData(60, 11).map((d) => d.example);
    const h = await prm.fit(steps, { epochs: 5, batchSize: 32, learningRate: 0.02 });
    expect(h.history.length).toBe(5);
    prm.score(probe).forEach((s, k) => expect(s).toBeCloseTo([0.9268062710762024, 0.855006217956543, 0.8966228365898132][k] as number, 4));
    prm.dispose();
  });
});

describe("createRewardModel (ORM, regression, PRM)", () => {
  it("a PRM learns step labels on a synthetic multi-step task", async () => {
    const train = stepData(300, 11);
    const test = stepData(100, 12);
    const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 16, seed: 2 }), { objective: "process" });
    const before = tf.memory().numTensors;
    await rm.fit(train.map((d) => d.example), { epochs: 15, batchSize: 32, learningRate: 0.02 });
    expect(tf.memory().numTensors).toBe(before);
    const probs = rm.scoreSteps(test.map((d) => d.example.inputIds), test.map((d) => d.stepEnds));
    let correct = 0;
    let total = 0;
    probs.forEach((row, b) => row.forEach((p, k) => ((correct += (p > 0.5 ? 1 : 0) === test[b]!.truth[k] ? 1 : 0), (total += 1))));
    expect(correct / total).toBeGreaterThanOrEqual(0.9);
    rm.dispose();
  });

  it("an ORM and a regression RM fit their targets", async () => {
    const rng = createRng(4);
    const seqs = Array.from({ length: 200 }, () => Array.from({ length: 3 + rng.int(4) }, () => 1 + rng.int(VOCAB - 1)));
    const outcome: ScalarExample[] = seqs.map((s) => ({ inputIds: s, target: s.includes(5) ? 1 : 0 }));
    const orm = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 16 }), { objective: "outcome" });
    const res = await orm.fit(outcome, { epochs: 20, learningRate: 0.03, validationSplit: 0.25 });
    expect(res.history.at(-1)?.valAccuracy).toBeGreaterThan(0.8);
    orm.dispose();
    const reg = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 16 }), { objective: "regression" });
    const regression = seqs.map((s) => ({ inputIds: s, target: s.filter((t) => t < 8).length / s.length }));
    const r = await reg.fit(regression, { epochs: 15, learningRate: 0.02 });
    expect(r.history.at(-1)!.trainLoss).toBeLessThan(r.history[0]!.trainLoss);
    await expect(orm.fit([{ inputIds: [1], target: 2 }])).rejects.toThrow(/outcome labels/);
    reg.dispose();
  });
});

describe("atomic save / load", () => {
  it("round-trips and a crash mid-save leaves the previous checkpoint readable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-rm-"));
    const path = join(dir, "rm.json");
    const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 8, seed: 1 }), { seed: 1 });
    const probe = [[3, 4, 5], [7, 7, 2, 9]];
    const v1 = rm.score(probe);
    await rm.save(path);
    // change the weights, then crash while the new checkpoint is half written
    await rm.fit(preferenceData(40, 9), { epochs: 2, learningRate: 0.1 });
    const v2 = rm.score(probe);
    expect(v2).not.toEqual(v1);
    let chunks = 0;
    await expect(
      rm.save(path, {
        chunkSize: 128,
        onChunkWritten: () => {
          if (++chunks === 2) throw new Error("simulated crash");
        },
      }),
    ).rejects.toSatisfy((e) => RLError.isInstance(e) && e.code === "IO");
    expect(chunks).toBe(2);
    // a torn temp file from a real crash must not matter either
    writeFileSync(join(dir, ".rm.json.999.deadbeef.tmp"), '{"format":"@rl/rewards/rew');
    const fresh = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 8, seed: 99 }), { seed: 99 });
    await fresh.load(path);
    fresh.score(probe).forEach((s, k) => expect(s).toBeCloseTo(v1[k] as number, 6));
    // a complete save replaces it
    await rm.save(path);
    await fresh.load(path);
    fresh.score(probe).forEach((s, k) => expect(s).toBeCloseTo(v2[k] as number, 6));
    // … and removes the orphan temp file of the dead process 999 (issue 19: no orphans after kills)
    const pid999Alive = (() => {
      try {
        process.kill(999, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
      }
    })();
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual(pid999Alive ? [".rm.json.999.deadbeef.tmp"] : []);
    // wrong objective / architecture / torn file
    const prm = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 8 }), { objective: "regression" });
    await expect(prm.load(path)).rejects.toThrow(/bradleyTerry/);
    const other = createRewardModel(createEmbeddingEncoder({ vocabSize: VOCAB, hiddenSize: 4 }));
    await expect(other.load(path)).rejects.toSatisfy((e) => RLError.isInstance(e) && e.code === "SHAPE_MISMATCH");
    writeFileSync(join(dir, "torn.json"), '{"format":"@rl/rewards/rew');
    await expect(other.load(join(dir, "torn.json"))).rejects.toSatisfy((e) => RLError.isInstance(e) && e.code === "PARSE");
    await expect(other.load(join(dir, "missing.json"))).rejects.toSatisfy((e) => RLError.isInstance(e) && e.code === "IO");
    [rm, fresh, prm, other].forEach((m) => m.dispose());
  });

  it("saveVariables writes through core's writeFileAtomic and never exposes a partial checkpoint", async () => {
    const { readFileSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "rl-atomic-"));
    const path = join(dir, "rm.json");
    const w = tf.variable(tf.tensor1d([1.5, -2.25, 3]));
    await saveVariables(path, [w], { step: 1 });
    const old = readFileSync(path, "utf8");
    let seen = "";
    const written: number[] = [];
    w.assign(tf.tensor1d([0, 0, 0]));
    await expect(
      saveVariables(path, [w], { step: 2 }, {
        chunkSize: 40,
        onChunkWritten: (n) => {
          written.push(n);
          seen = readFileSync(path, "utf8");
          if (n >= 80) throw new Error("disk full");
        },
      }),
    ).rejects.toThrow(/disk full/);
    expect(written).toEqual([40, 80]);
    expect(seen).toBe(old);
    expect(readFileSync(path, "utf8")).toBe(old);
    expect(readdirSync(dir)).toEqual(["rm.json"]);
    expect(await loadVariables(path, [w])).toEqual({ step: 1 });
    expect(Array.from(w.dataSync())).toEqual([1.5, -2.25, 3]);
    w.dispose();
  });

  it("the deprecated rewards writeFileAtomic still writes in chunks, and names itself in its RLError", async () => {
    const { readFileSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "rl-atomic-"));
    const path = join(dir, "f.txt");
    const chunks: number[] = [];
    await deprecatedWriteFileAtomic(path, "x".repeat(250), { chunkSize: 100, onChunkWritten: (n) => void chunks.push(n) });
    expect(chunks).toEqual([100, 200, 250]);
    expect(readFileSync(path, "utf8")).toBe("x".repeat(250));
    await expect(deprecatedWriteFileAtomic(join(dir, "no-such-dir", "f.txt"), "x")).rejects.toSatisfy(
      (e) => RLError.isInstance(e) && e.code === "IO" && e.message.startsWith("writeFileAtomic: cannot write"),
    );
    expect(existsSync(path)).toBe(true);
  });
});
