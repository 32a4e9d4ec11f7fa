import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng, generate, tf } from "@rl/core";
import { describe, expect, it } from "vitest";
import { createDataParallel } from "@rl/alignment/parallel";
import { demoBudgets, runDemo } from "../src/demo.js";
import { clonePolicy, createPolicy, responseLogProbs, taskDecoding } from "../src/demo/policy.js";
import { syntheticPairs } from "../src/demo/pairs.js";
import { replicaModule } from "../src/demo/replica.js";
import { rewardTrend, runRl } from "../src/demo/rl.js";
import { heatmapPlot, reportHtml, summaryTable, type DemoMetrics } from "../src/demo/report.js";
import { EOS, PAD, VOCAB_SIZE, checkFormat, createAdditionTask, decode, encode, makeProblem, taskReward, verifyAnswer } from "../src/demo/task.js";

describe("task", () => {
  it("splits every 2-digit problem into disjoint held-out and train sets, reproducibly", () => {
    const a = createAdditionTask({ seed: 3, heldOutSize: 50 });
    const b = createAdditionTask({ seed: 3, heldOutSize: 50 });
    expect(a.train.length + a.heldOut.length).toBe(10_000);
    expect(a.heldOut.map((p) => p.id)).toEqual(b.heldOut.map((p) => p.id));
    const held = new Set(a.heldOut.map((p) => p.id));
    expect(a.train.some((p) => held.has(p.id))).toBe(false);
    expect(a.promptLength).toBe(6);
    expect(a.maxAnswerLength).toBe(4);
  });

  it("verifies exact answers and checks the format", () => {
    const p = makeProblem(7, 45, 2);
    expect(p.prompt).toBe("07+45=");
    expect(decode(p.answerIds)).toBe("52");
    expect(verifyAnswer(p, [...encode("52"), EOS, PAD])).toBe(true);
    expect(verifyAnswer(p, [...encode("53"), EOS])).toBe(false);
    expect(verifyAnswer(p, encode("52"))).toBe(false); // no EOS
    expect(checkFormat([...encode("53"), EOS], 2)).toBe(true);
    expect(checkFormat([...encode("5+3"), EOS], 2)).toBe(false);
    expect(checkFormat([EOS], 2)).toBe(false);
    expect(checkFormat([...encode("1234"), EOS], 2)).toBe(false);
    expect(taskReward(p, [...encode("52"), EOS])).toBe(1);
    expect(taskReward(p, [...encode("53"), EOS])).toBe(0.1);
    expect(taskReward(p, [EOS])).toBe(0);
  });

  it("rejects bad options and characters", () => {
    expect(() => createAdditionTask({ seed: 1, digits: 5 })).toThrow(/digits/);
    expect(() => encode("2*3")).toThrow(/not in the vocabulary/);
  });
});

describe("policy", () => {
  it("maps [B, T] ids to [B, T, V] logits without leaking, and is causal", () => {
    const policy = createPolicy({ vocabSize: VOCAB_SIZE, maxLength: 10, dModel: 16, nHeads: 2, nLayers: 1 }, createRng(1));
    const before = tf.memory().numTensors;
    const ids = tf.tensor2d([[2, 3, 12, 4, 5, 13], [2, 3, 12, 4, 9, 13]], undefined, "int32");
    const logits = policy.logits(ids);
    expect(logits.shape).toEqual([2, 6, VOCAB_SIZE]);
    const y = logits.arraySync();
    // rows share the first 4 tokens, so the first 4 positions agree (causal mask)
    for (let t = 0; t < 4; t++) for (let v = 0; v < VOCAB_SIZE; v++) expect(y[0]?.[t]?.[v]).toBeCloseTo(y[1]?.[t]?.[v] as number, 5);
    expect(Math.abs((y[0]?.[4]?.[0] as number) - (y[1]?.[4]?.[0] as number))).toBeGreaterThan(0);
    tf.dispose([ids, logits]);
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
  });

  it("samples reproducibly, masks after EOS, and its log-probs match teacher forcing", () => {
    const policy = createPolicy({ vocabSize: VOCAB_SIZE, maxLength: 10, dModel: 16, nHeads: 2, nLayers: 1 }, createRng(2));
    const prompts = [encode("12+30="), encode("99+01=")];
    const before = tf.memory().numTensors;
    const g1 = generate(policy.logits, prompts, { ...taskDecoding, maxNewTokens: 4, rng: createRng(5) });
    const g2 = generate(policy.logits, prompts, { ...taskDecoding, maxNewTokens: 4, rng: createRng(5) });
    expect(g1).toEqual(g2);
    for (const [i, row] of g1.tokenIds.entries()) {
      const end = row.indexOf(EOS);
      g1.mask[i]?.forEach((m, t) => expect(m).toBe(end < 0 || t <= end ? 1 : 0));
    }
    const padded = g1.tokenIds.map((r) => [...r, ...new Array<number>(4 - r.length).fill(PAD)]);
    const lp = responseLogProbs(policy, prompts, padded);
    const tf2 = lp.arraySync();
    lp.dispose();
    g1.logProbs.forEach((row, i) => row.forEach((v, t) => {
      if (g1.mask[i]?.[t] === 1) expect(tf2[i]?.[t]).toBeCloseTo(v, 4);
    }));
    expect(tf.memory().numTensors).toBe(before);
    const copy = clonePolicy(policy);
    expect(generate(copy.logits, prompts, { ...taskDecoding, maxNewTokens: 4, greedy: true })).toEqual(generate(policy.logits, prompts, { ...taskDecoding, maxNewTokens: 4, greedy: true }));
    copy.dispose();
    policy.dispose();
  });
});

describe("pairs", () => {
  it("synthetic pairs are a verified answer against a well-formed wrong one", () => {
    const task = createAdditionTask({ seed: 2, heldOutSize: 10 });
    const pairs = syntheticPairs(task.train.slice(0, 300), createRng(1));
    expect(pairs).toHaveLength(300);
    for (const p of pairs) {
      expect(taskReward(p.problem, p.chosen)).toBe(1);
      expect(taskReward(p.problem, p.rejected)).toBe(0.1);
      expect(p.chosen).toHaveLength(4);
      expect(p.chosenMask.reduce((a, m) => a + m, 0)).toBe(p.chosen.indexOf(EOS) + 1);
    }
  });
});

describe("RL", () => {
  // From an untrained policy on 1-digit addition the format reward (0.1) is rare at first; GRPO
  // and TEMPO must make well-formed (and then right) answers more likely within a few steps.
  for (const method of ["grpo", "tempo"] as const) {
    it(`${method}: the mean sampled reward rises`, async () => {
      const task = createAdditionTask({ seed: 1, digits: 1, heldOutSize: 10 });
      const policy = createPolicy({ vocabSize: VOCAB_SIZE, maxLength: 7, dModel: 16, nHeads: 2, nLayers: 1 }, createRng(3));
      const before = tf.memory().numTensors;
      const res = await runRl(policy, task.train, task.heldOut, createRng(4), {
        method, steps: 12, promptsPerStep: 8, groupSize: 8, learningRate: 1e-2, evalEvery: 100,
      });
      expect(tf.memory().numTensors).toBe(before);
      const mean = (xs: { value: number }[]) => xs.reduce((a, p) => a + p.value, 0) / xs.length;
      const first = mean(res.reward.slice(0, 3));
      const last = mean(res.reward.slice(-3));
      expect(last).toBeGreaterThan(first + 0.02);
      expect(res.heatmap === null || res.heatmap.tokens.length === 8).toBe(true);
      policy.dispose();
    }, 120_000);
  }
});

describe("RL on worker replicas", () => {
  it("runRl with a 2-worker pool gives the in-process run's rewards and losses", async () => {
    const task = createAdditionTask({ seed: 1, digits: 1, heldOutSize: 10 });
    const config = { vocabSize: VOCAB_SIZE, maxLength: 7, dModel: 16, nHeads: 2, nLayers: 1 };
    const a = createPolicy(config, createRng(3));
    const b = clonePolicy(a);
    const pool = await createDataParallel({ workers: 2, modelModule: replicaModule(), factoryName: "createPolicyReplica", factoryArgs: [a.config] });
    try {
      const opts = { method: "grpo" as const, steps: 4, promptsPerStep: 4, groupSize: 4, learningRate: 1e-2, evalEvery: 100 };
      const local = await runRl(a, task.train, task.heldOut, createRng(4), opts);
      const before = tf.memory().numTensors;
      const parallel = await runRl(b, task.train, task.heldOut, createRng(4), { ...opts, pool });
      expect(tf.memory().numTensors).toBe(before);
      expect(parallel.reward).toEqual(local.reward);
      parallel.loss.forEach((p, i) => expect(p.value).toBeCloseTo(local.loss[i]!.value, 5));
      const wa = a.variables.map((v) => Array.from(v.dataSync()));
      b.variables.forEach((v, i) => Array.from(v.dataSync()).forEach((x, j) => expect(Math.abs(x - wa[i]![j]!)).toBeLessThan(1e-4)));
    } finally {
      await pool.close();
      a.dispose();
      b.dispose();
    }
  }, 120_000);
});

describe("rewardTrend", () => {
  const curve = (values: number[]) => values.map((value, i) => ({ step: i + 1, value }));

  it("averages the first and the last window of steps, never overlapping", () => {
    expect(rewardTrend(curve([0.1, 0.2, 0.3, 0.5, 0.6, 0.7]), 2)).toEqual({ window: 2, first: expect.closeTo(0.15, 12), last: expect.closeTo(0.65, 12) });
    // window 10 on 5 steps shrinks to ⌊5/2⌋ = 2
    expect(rewardTrend(curve([0, 0.2, 1, 0.4, 0.6]), 10)).toEqual({ window: 2, first: expect.closeTo(0.1, 12), last: expect.closeTo(0.5, 12) });
    expect(rewardTrend(curve([0.3]), 10)).toEqual({ window: 1, first: 0.3, last: 0.3 });
    expect(rewardTrend([], 10)).toBeNull();
  });

  it("rejects a bad window and a non-finite reward", async () => {
    expect(() => rewardTrend(curve([0.1, 0.2]), 0)).toThrow(/window/);
    expect(() => rewardTrend(curve([0.1, 0.2]), 1.5)).toThrow(/window/);
    expect(() => rewardTrend(curve([Number.NaN, 0.2]), 1)).toThrow(/non-finite/);
    const task = createAdditionTask({ seed: 1, digits: 1, heldOutSize: 10 });
    const policy = createPolicy({ vocabSize: VOCAB_SIZE, maxLength: 7, dModel: 16, nHeads: 2, nLayers: 1 }, createRng(3));
    const before = tf.memory().numTensors;
    await expect(runRl(policy, task.train, task.heldOut, createRng(4), { method: "grpo", rewardWindow: 0 })).rejects.toThrow(/rewardWindow/);
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
  });
});

describe("report", () => {
  it("pads ragged heatmap rows and centres the colour scale", () => {
    const plot = heatmapPlot({ prompt: "12+30=", tokens: [["4", "2", "<eos>"], ["4", "<eos>"]], advantages: [[1, 2, 1], [-1, -3]] });
    const trace = plot.data[0] as { z: (number | null)[][]; zmin: number; zmax: number };
    expect(trace.z[1]).toEqual([-1, -3, null]);
    expect([trace.zmin, trace.zmax]).toEqual([-3, 3]);
  });
});

const metricFields = [
  "sft.heldOutAccuracy",
  "rewardModel.heldOutPairwiseAccuracy",
  "rl.grpo.heldOutAccuracy",
  "rl.tempo.heldOutAccuracy",
  "dpo.heldOutAccuracy",
  "simpo.heldOutAccuracy",
];

function field(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

describe("demoBudgets", () => {
  it("is frozen all the way down: a caller cannot change the documented budgets", () => {
    expect(Object.isFrozen(demoBudgets)).toBe(true);
    expect(Object.isFrozen(demoBudgets.full)).toBe(true);
    expect(Object.isFrozen(demoBudgets.quick)).toBe(true);
    expect(() => {
      (demoBudgets.quick as { rlSteps: number }).rlSteps = 1;
    }).toThrow(TypeError); // ES modules are strict
    expect(demoBudgets.quick.rlSteps).toBe(50);
  });
});

describe("runDemo --quick", () => {
  it("completes, writes metrics.json and a self-contained report.html with every field", async () => {
    const out = mkdtempSync(join(tmpdir(), "rl-demo-"));
    const before = tf.memory().numTensors;
    const metrics = await runDemo({ quick: true, verbose: false, out, seed: 7 });
    expect(tf.memory().numTensors).toBe(before);
    const json = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as DemoMetrics;
    expect(json.backend).toBe("wasm");
    expect(json.seconds).toBeGreaterThan(0);
    for (const f of metricFields) {
      const v = field(json, f);
      expect(typeof v, f).toBe("number");
      expect(v as number, f).toBeGreaterThanOrEqual(0);
      expect(v as number, f).toBeLessThanOrEqual(1);
    }
    const budget = demoBudgets.quick;
    expect(json.task.name).toBe("1-digit addition");
    expect(json.task.trainSize + json.task.heldOutSize).toBe(100);
    expect(json.sft.loss.length).toBe(budget.sftSteps);
    expect(json.rewardModel.heldOutPairs).toBeGreaterThan(0);
    expect(json.rewardModel.loss.length).toBe(1); // the reward model was fitted
    expect(json.dpo.pairs).toBeGreaterThan(0); // the warm start is right on some prompts, wrong on others
    for (const method of ["grpo", "tempo"] as const) {
      const run = json.rl[method];
      expect(run.reward.length, method).toBe(budget.rlSteps);
      expect(run.loss.length, method).toBe(budget.rlSteps);
      expect(run.accuracy[0]?.step, method).toBe(0);
      expect(run.accuracy[0]?.value, method).toBe(json.sft.heldOutAccuracy);
      // Reward rises during RL: the mean sampled reward of the last 10 steps beats the first 10
      // by more than 0.1 (seed 7: GRPO 0.48 → 0.66, TEMPO 0.47 → 0.68; over seeds 1–10 the
      // smallest rise is 0.18). rewardTrend is recomputed here from the raw curve.
      expect(run.rewardTrend, method).toEqual(rewardTrend(run.reward, budget.rlRewardWindow));
      const trend = run.rewardTrend as NonNullable<typeof run.rewardTrend>;
      expect(trend.window, method).toBe(10);
      expect(trend.last - trend.first, method).toBeGreaterThan(0.1);
    }
    expect(json.dpo.loss.every((p) => Number.isFinite(p.value))).toBe(true);
    expect(json.simpo.loss.every((p) => Number.isFinite(p.value))).toBe(true);
    expect(json).toEqual(JSON.parse(JSON.stringify(metrics)));
    const html = readFileSync(join(out, "report.html"), "utf8");
    for (const id of ["plot-accuracy-phase", "plot-accuracy-rl", "plot-reward-rl", "plot-loss-sft-rm", "plot-loss-rl", "plot-loss-preference"]) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: plotly is inlined
    expect(html).toContain("Plotly.newPlot");
    expect(existsSync(join(out, "report.html"))).toBe(true);
    expect(summaryTable(json)).toContain("GRPO+TEMPO");
    const g = json.rl.grpo.rewardTrend as NonNullable<typeof json.rl.grpo.rewardTrend>;
    expect(summaryTable(json)).toContain(`reward ${g.first.toFixed(2)} → ${g.last.toFixed(2)}`);
  }, 300_000);

  it("escapes the report's embedded data", () => {
    const m = { ...minimalMetrics(), task: { name: "</script><b>x", trainSize: 1, heldOutSize: 1 } };
    const html = reportHtml(m, "/* plotly */");
    expect(html).not.toContain("</script><b>");
  });
});

function minimalMetrics(): DemoMetrics {
  const run = { heldOutAccuracy: 0.5, reward: [], rewardTrend: null, loss: [], accuracy: [], seconds: 1 };
  const pref = { heldOutAccuracy: 0.5, loss: [], pairAccuracy: [], pairs: 0, seconds: 1 };
  return {
    backend: "wasm",
    workers: 0,
    seconds: 1,
    seed: 1,
    quick: true,
    task: { name: "t", trainSize: 1, heldOutSize: 1 },
    sft: { heldOutAccuracy: 0.5, loss: [], seconds: 1 },
    rewardModel: { heldOutPairwiseAccuracy: 0.5, loss: [], trainPairs: 0, heldOutPairs: 0, heldOutPairSource: "policy samples", seconds: 1 },
    rl: { grpo: run, tempo: run },
    dpo: pref,
    simpo: pref,
    tempoHeatmap: null,
    wiring: {},
  };
}
