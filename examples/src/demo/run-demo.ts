import { availableParallelism } from "node:os";
import { createDataParallel, type DataParallelPool } from "@rl/alignment/parallel";
import { RLError, Rng, activeBackend, createRng, ready, tf, type BackendName } from "@rl/core";
import { loadDemoCheckpoint, saveDemoCheckpoint, type DemoPhase, type DemoPhaseResults, type DemoRlSnapshot, type DemoRunState } from "./checkpoint.js";
import { samplePreferencePairs, syntheticPairs } from "./pairs.js";
import { clonePolicy, createPolicy } from "./policy.js";
import { runPreference } from "./preference.js";
import { progressBar } from "./progress.js";
import { summaryTable, writeReport, type DemoMetrics } from "./report.js";
import { trainRewardModel } from "./reward-model.js";
import { replicaModule } from "./replica.js";
import { runRl, type RlResult } from "./rl.js";
import { evaluate, supervisedWarmStart } from "./sft.js";
import { VOCAB_SIZE, createAdditionTask } from "./task.js";

/** Options of {@link runDemo} (the CLI flags). */
export interface DemoOptions {
  /** Small budgets (≤ 60 s) on 1-digit addition: checks the pipeline and that RL raises the reward (see {@link demoBudgets}). Default false. */
  quick?: boolean;
  /** RL steps per variant (overrides the preset). */
  steps?: number;
  /** Seed of everything (task split, weights, sampling). Default 7. */
  seed?: number;
  /** tfjs backend. Default "wasm". */
  backend?: BackendName;
  /** Output folder of metrics.json and report.html. Default "out/demo". */
  out?: string;
  /** Progress bars and the summary table on stdout. Default true. */
  verbose?: boolean;
  /** Checkpoint file (`.safetensors`), saved at the end of every phase and every `saveSteps` RL steps. Default none. */
  checkpoint?: string;
  /** Continue from `checkpoint` (it must exist and come from the same seed and budget). Default false. */
  resume?: boolean;
  /** RL steps between checkpoints (TRL's `save_steps`). Default 10. */
  saveSteps?: number;
  /** Called after each checkpoint is written (tests stop the run here by throwing). */
  onCheckpoint?: (saved: { phase: DemoPhase; step: number; path: string }) => void | Promise<void>;
  /** Overrides of the preset budget (small runs, tests). */
  budget?: Partial<DemoBudget>;
  /**
   * Worker threads the RL phases' training steps run on (`@rl/alignment/parallel`: the rollout
   * rows sharded across policy replicas, one optimizer update here); 0 = in this thread.
   * Default {@link defaultWorkers} (2 when the machine has 2 or more cores).
   */
  workers?: number;
}

/**
 * The demo's default worker count: 2 when the machine has at least 2 cores (`os.availableParallelism()`), else 0 (in-process).
 *
 * @example
 * defaultWorkers(); // 2 on a 2-core machine
 */
export function defaultWorkers(): number {
  return availableParallelism() >= 2 ? 2 : 0;
}

/** Budgets of one run. */
export interface DemoBudget {
  /** Digits per operand of the addition task (2: 10,000 problems; 1: 100). */
  digits: number;
  heldOut: number;
  sftSteps: number;
  sftBatch: number;
  rmTrainProblems: number;
  rmHeldOutProblems: number;
  rmSyntheticProblems: number;
  rmEpochs: number;
  rlSteps: number;
  rlPrompts: number;
  rlGroup: number;
  rlLearningRate: number;
  rlEvalEvery: number;
  /** RL draws its prompts from the first this many train problems, or from the whole train split (`"all"`). */
  rlPromptPool: number | "all";
  /** Steps averaged at each end of the RL reward curve (`rl.*.rewardTrend`). */
  rlRewardWindow: number;
  prefProblems: number;
  prefSteps: number;
}

/**
 * The default budget (≤ 5 min on 2 wasm cores) and the `--quick` one (≤ 60 s).
 *
 * `--quick` checks the pipeline and that RL raises the reward, not generalisation: 1-digit
 * addition (80 train / 20 held-out problems), a 70-step warm start that leaves the policy mostly
 * wrong, then 50 RL steps on a fixed pool of the first 8 train prompts (16 prompts × 8 samples a
 * step, AdamW 2e-3), where the mean sampled reward (`rl.*.rewardTrend`) rises by 0.18–0.46 from
 * the first 10 steps to the last 10 (seeds 1–10, GRPO and GRPO+TEMPO). 15–20 s on 2 wasm cores.
 */
export const demoBudgets: Readonly<Record<"full" | "quick", Readonly<DemoBudget>>> = Object.freeze({
  full: Object.freeze({
    digits: 2,
    heldOut: 400,
    sftSteps: 500,
    sftBatch: 64,
    rmTrainProblems: 1000,
    rmHeldOutProblems: 300,
    rmSyntheticProblems: 1500,
    rmEpochs: 6,
    rlSteps: 60,
    rlPrompts: 32,
    rlGroup: 8,
    rlLearningRate: 5e-4,
    rlEvalEvery: 10,
    rlPromptPool: "all",
    rlRewardWindow: 10,
    prefProblems: 600,
    prefSteps: 60,
  }),
  quick: Object.freeze({
    digits: 1,
    heldOut: 20,
    sftSteps: 70,
    sftBatch: 32,
    rmTrainProblems: 24,
    rmHeldOutProblems: 16,
    rmSyntheticProblems: 32,
    rmEpochs: 1,
    rlSteps: 50,
    rlPrompts: 16,
    rlGroup: 8,
    rlLearningRate: 2e-3,
    rlEvalEvery: 10,
    rlPromptPool: 8,
    rlRewardWindow: 10,
    prefProblems: 24,
    prefSteps: 3,
  }),
});

/**
 * The whole demo, in process: SFT warm start → Bradley–Terry reward model → RL with GRPO and with
 * GRPO+TEMPO (same seed, same budget, both from the warm start) → DPO and SimPO on pairs of the
 * warm-start policy's own samples → `metrics.json`, `report.html` and a summary table.
 *
 * With `checkpoint`, the run saves its state (core's `saveCheckpoint`: weights, `adamW` state,
 * step, generators, finished phases' results) at the end of every phase and every `saveSteps` RL
 * steps; `resume` continues from that file and gives the numbers of an uninterrupted run (only
 * the `seconds` fields differ).
 *
 * @example
 * const metrics = await runDemo({ quick: true, verbose: false, out: "/tmp/demo" });
 * metrics.rl.tempo.heldOutAccuracy; // in [0, 1]
 * await runDemo({ quick: true, checkpoint: "/tmp/demo.safetensors", resume: true }); // after a stop
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoMetrics> {
  const t0 = performance.now();
  const quick = options.quick ?? false;
  const seed = options.seed ?? 7;
  const verbose = options.verbose ?? true;
  const out = options.out ?? "out/demo";
  const budget: DemoBudget = { ...demoBudgets[quick ? "quick" : "full"], ...options.budget };
  if (options.steps !== undefined) budget.rlSteps = options.steps;
  const checkpoint = options.checkpoint;
  const saveSteps = options.saveSteps ?? 10;
  if (!Number.isInteger(saveSteps) || saveSteps < 1) throw new RLError("INVALID_CONFIG", `runDemo: saveSteps must be a positive integer, got ${saveSteps}`);
  if (options.resume === true && checkpoint === undefined) throw new RLError("INVALID_CONFIG", "runDemo: resume needs a checkpoint path");
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 0) throw new RLError("INVALID_CONFIG", `runDemo: workers must be a non-negative integer, got ${workers}`);
  await ready({ backend: options.backend ?? "wasm" });
  const log = (line: string) => {
    if (verbose) console.log(line);
  };
  const tensorsBefore = tf.memory().numTensors;

  let root = createRng(seed);
  const task = createAdditionTask({ seed: root.int(2 ** 31), digits: budget.digits, heldOutSize: budget.heldOut });
  const sft = createPolicy({ vocabSize: VOCAB_SIZE, maxLength: task.promptLength + task.maxAnswerLength }, root.fork());
  let resumedRl: DemoRlSnapshot | null = null;
  try {
    log(`task: ${task.digits}-digit addition, ${task.train.length} train / ${task.heldOut.length} held-out problems; backend ${activeBackend()}`);
    let run: DemoRunState = { seed, quick, budget, root: root.state(), done: {} };
    if (options.resume === true && checkpoint !== undefined) {
      const loaded = await loadDemoCheckpoint(checkpoint, sft, { seed, quick, budget });
      run = loaded.state;
      resumedRl = loaded.rl;
      root = Rng.fromState(run.root);
      const finished = Object.keys(run.done);
      log(`resumed from ${checkpoint}: ${finished.length > 0 ? finished.join(", ") : "no phase"} done${run.rl === undefined ? "" : `, ${run.rl.method} at step ${run.rl.progress.step}`}`);
    }
    const save = async (phase: DemoPhase, rl?: DemoRlSnapshot & { step: number }) => {
      if (checkpoint === undefined) return;
      await saveDemoCheckpoint(checkpoint, run, sft, rl);
      await options.onCheckpoint?.({ phase, step: rl?.step ?? 0, path: checkpoint });
    };

    // 1. Supervised warm start.
    let bar: ReturnType<typeof progressBar>;
    if (run.done.sft === undefined) {
      const t = performance.now();
      bar = progressBar("SFT warm start", budget.sftSteps, verbose);
      const sftRun = supervisedWarmStart(sft, task.train, root.fork(), {
        steps: budget.sftSteps,
        batchSize: budget.sftBatch,
        onStep: (s, loss) => bar.update(s + 1, `loss ${loss.toFixed(3)}`),
      });
      bar.stop();
      run.done.sft = { heldOutAccuracy: evaluate(sft, task.heldOut), loss: sftRun.loss, seconds: (performance.now() - t) / 1000 };
      run.root = root.state();
      await save("sft");
    }
    const sftDone = run.done.sft;
    log(`SFT held-out accuracy ${sftDone.heldOutAccuracy.toFixed(3)}`);

    // 2. Reward model on pairs of the warm-start policy's samples (+ synthetic near misses).
    if (run.done.rewardModel === undefined) {
      const t = performance.now();
      const pairRng = root.fork();
      bar = progressBar("RM: sampling pairs", budget.rmTrainProblems + budget.rmHeldOutProblems, verbose);
      const rmTrainPairs = samplePreferencePairs(sft, task.train.slice(0, budget.rmTrainProblems), pairRng, {
        onBatch: (done) => bar.update(done),
      });
      let rmHeldOutPairs = samplePreferencePairs(sft, task.heldOut.slice(0, budget.rmHeldOutProblems), pairRng, {
        onBatch: (done) => bar.update(budget.rmTrainProblems + done),
      });
      bar.stop();
      // A policy that is never right on the held-out prompts (--quick) yields no held-out pairs:
      // score synthetic near misses of those prompts instead, and say so in metrics.json.
      const heldOutPairSource = rmHeldOutPairs.length > 0 ? "policy samples" : "synthetic near misses";
      if (rmHeldOutPairs.length === 0) rmHeldOutPairs = syntheticPairs(task.heldOut.slice(0, budget.rmHeldOutProblems), root.fork());
      // Plus synthetic near-miss pairs on other train prompts (after the DPO/SimPO slice).
      const synthStart = budget.rmTrainProblems + budget.prefProblems;
      rmTrainPairs.push(...syntheticPairs(task.train.slice(synthStart, synthStart + budget.rmSyntheticProblems), root.fork()));
      bar = progressBar("RM: Bradley-Terry fit", budget.rmEpochs, verbose);
      const rm = await trainRewardModel(sft, rmTrainPairs, rmHeldOutPairs, {
        epochs: budget.rmEpochs,
        seed,
        onEpoch: (e, _n, loss) => bar.update(e, `loss ${loss.toFixed(3)}`),
      });
      bar.stop();
      run.done.rewardModel = { ...rm, heldOutPairSource, seconds: (performance.now() - t) / 1000 };
      run.rlSeed = root.int(2 ** 31);
      run.root = root.state();
      await save("rewardModel");
    }
    const rm = run.done.rewardModel;
    log(`reward model: ${rm.trainPairs} train pairs, held-out pairwise accuracy ${rm.heldOutPairwiseAccuracy.toFixed(3)} (${rm.heldOutPairs} pairs)`);

    // 3. RL: GRPO vs GRPO+TEMPO, same seed and budget, both from the warm start.
    const rlSeed = run.rlSeed ?? 0;
    const rlPrompts = budget.rlPromptPool === "all" ? task.train : task.train.slice(0, budget.rlPromptPool);
    // With workers: one pool of policy replicas for both variants (each variant's first step copies its weights in).
    const needRl = run.done.grpo === undefined || run.done.tempo === undefined;
    const pool: DataParallelPool | undefined =
      workers > 0 && needRl ? await createDataParallel({ workers, modelModule: replicaModule(), factoryName: "createPolicyReplica", factoryArgs: [sft.config], backend: activeBackend() }) : undefined;
    if (pool !== undefined) log(`RL training steps on ${workers} worker threads (@rl/alignment/parallel)`);
    const runVariant = async (method: "grpo" | "tempo"): Promise<RlResult> => {
      const finished = run.done[method];
      if (finished !== undefined) return finished;
      const resume = resumedRl !== null && run.rl?.method === method ? { snapshot: resumedRl, progress: run.rl.progress } : null;
      if (resume !== null) resumedRl = null;
      const policy = resume?.snapshot.policy ?? clonePolicy(sft);
      const rng = resume?.snapshot.rng ?? createRng(rlSeed);
      const b = progressBar(method === "grpo" ? "RL: GRPO" : "RL: GRPO+TEMPO", budget.rlSteps, verbose);
      try {
        const result = await runRl(policy, rlPrompts, task.heldOut, rng, {
          method,
          steps: budget.rlSteps,
          promptsPerStep: budget.rlPrompts,
          groupSize: budget.rlGroup,
          learningRate: budget.rlLearningRate,
          evalEvery: budget.rlEvalEvery,
          rewardWindow: budget.rlRewardWindow,
          onStep: (s, r, l) => b.update(s, `reward ${r.toFixed(3)} loss ${l.toFixed(3)}`),
          ...(pool !== undefined ? { pool } : {}),
          ...(resume === null ? {} : { resume: { progress: resume.progress, optimizerState: resume.snapshot.optimizerState } }),
          onCheckpoint: async (progress, optimizerState) => {
            if (progress.step % saveSteps !== 0 || progress.step === budget.rlSteps) return; // the last step is saved with the phase
            run.rl = { method, progress };
            await save(method, { policy, optimizerState, rng, step: progress.step });
          },
        });
        run.done[method] = result;
        delete run.rl;
        await save(method);
        return result;
      } finally {
        b.stop();
        policy.dispose();
      }
    };
    let grpo: RlResult;
    let tempo: RlResult;
    try {
      grpo = await runVariant("grpo");
      log(`GRPO held-out accuracy ${grpo.heldOutAccuracy.toFixed(3)}`);
      tempo = await runVariant("tempo");
      log(`GRPO+TEMPO held-out accuracy ${tempo.heldOutAccuracy.toFixed(3)}`);
    } finally {
      await pool?.close();
    }

    // 4. Offline preference: DPO and SimPO on pairs of the warm-start policy's own samples.
    // On resume the pairs are drawn again: the root generator is saved after the reward model.
    if (run.done.dpo === undefined || run.done.simpo === undefined) {
      bar = progressBar("DPO/SimPO: pairs", budget.prefProblems, verbose);
      const prefPairs = samplePreferencePairs(sft, task.train.slice(budget.rmTrainProblems, budget.rmTrainProblems + budget.prefProblems), root.fork(), {
        onBatch: (done) => bar.update(done),
      });
      bar.stop();
      const prefSeed = root.int(2 ** 31);
      for (const method of ["dpo", "simpo"] as const) {
        if (run.done[method] !== undefined) continue;
        const policy = clonePolicy(sft);
        const b = progressBar(method === "dpo" ? "DPO" : "SimPO", budget.prefSteps, verbose);
        try {
          run.done[method] = runPreference(policy, prefPairs, task.heldOut, createRng(prefSeed), {
            method,
            steps: budget.prefSteps,
            onStep: (s, l) => b.update(s, `loss ${l.toFixed(3)}`),
          });
        } finally {
          b.stop();
          policy.dispose();
        }
        await save(method);
      }
    }
    const { dpo, simpo } = run.done as Required<DemoPhaseResults>;

    const metrics: DemoMetrics = {
      backend: activeBackend(),
      workers,
      seconds: (performance.now() - t0) / 1000,
      seed,
      quick,
      task: { name: `${task.digits}-digit addition`, trainSize: task.train.length, heldOutSize: task.heldOut.length },
      sft: sftDone,
      rewardModel: rm,
      rl: { grpo: stripHeatmap(grpo), tempo: stripHeatmap(tempo) },
      dpo,
      simpo,
      tempoHeatmap: tempo.heatmap,
      wiring: {
        "reward model": "@rl/rewards createRewardModel (bradleyTerry) + pairwiseAccuracy",
        "GRPO credit": "@rl/credit grpoAdvantages",
        "TEMPO credit": "@rl/credit tempoAdvantages",
        "policy loss": "@rl/alignment grpoLoss (lossType grpo) via trainStep + adamW",
        DPO: "@rl/alignment dpoLoss via trainStep + adamW",
        SimPO: "@rl/alignment simpoLoss via trainStep + adamW",
      },
    };
    sft.dispose();
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked !== 0) log(`warning: ${leaked} tensors left after the run`);
    const { metricsPath, reportPath } = writeReport(metrics, out);
    log(`\n${summaryTable(metrics)}\n\nwrote ${metricsPath} and ${reportPath}`);
    return metrics;
  } finally {
    if (sft.variables[0]?.isDisposed === false) sft.dispose();
    const pending = resumedRl as DemoRlSnapshot | null;
    if (pending !== null) {
      tf.dispose([...pending.optimizerState.m, ...pending.optimizerState.v]);
      pending.policy.dispose();
    }
  }
}

function stripHeatmap<T extends { heatmap: unknown }>(r: T): Omit<T, "heatmap"> {
  const { heatmap: _heatmap, ...rest } = r;
  return rest;
}
