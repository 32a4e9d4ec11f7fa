import { adamW, type AdamWState } from "@rl/alignment";
import { RLError, createRng, tf, type Rng, type RngState } from "@rl/core";
import { loadCheckpoint, restoreCheckpoint, saveCheckpoint } from "@rl/core/runs";
import { createPolicy, type Policy } from "./policy.js";
import type { DemoMetrics, PreferenceRunMetrics } from "./report.js";
import type { CreditMethod, RlProgress, RlResult } from "./rl.js";
import type { DemoBudget } from "./run-demo.js";

/** The demo's phases, in order. A checkpoint is written at the end of each (and inside RL, every `saveSteps` steps). */
export type DemoPhase = "sft" | "rewardModel" | "grpo" | "tempo" | "dpo" | "simpo";

/** The results of the finished phases (JSON). */
export interface DemoPhaseResults {
  sft?: DemoMetrics["sft"];
  rewardModel?: DemoMetrics["rewardModel"];
  grpo?: RlResult;
  tempo?: RlResult;
  dpo?: PreferenceRunMetrics;
  simpo?: PreferenceRunMetrics;
}

/** Where a demo run stands: the checkpoint's metadata. */
export interface DemoRunState {
  /** The run's identity: a checkpoint only resumes the run that wrote it. */
  seed: number;
  quick: boolean;
  budget: DemoBudget;
  /** The root generator after the last phase that draws from it (SFT, reward model). */
  root: RngState;
  /** The RL runs' seed (drawn at the end of the reward-model phase). */
  rlSeed?: number;
  /** Results of the finished phases. */
  done: DemoPhaseResults;
  /** An RL run in progress: its method and curves (its weights, optimizer state and generator are in the file). */
  rl?: { method: CreditMethod; progress: RlProgress };
}

/** An RL run in progress, as saved: the policy, its `adamW` state and its generator. */
export interface DemoRlSnapshot {
  policy: Policy;
  optimizerState: AdamWState;
  rng: Rng;
}

const record = (prefix: string, vars: readonly tf.Variable[]): Record<string, tf.Variable> =>
  Object.fromEntries(vars.map((v, i) => [`${prefix}.${i}`, v]));

/**
 * Saves the demo's state with core's `saveCheckpoint` (one safetensors file, written atomically):
 * the warm-start policy (`sft.*`), an RL run in progress (`rl.*` weights, its `adamW` state, its
 * step and generator) and {@link DemoRunState} as metadata.
 * @example
 * await saveDemoCheckpoint("out/demo.safetensors", state, sft);
 */
export async function saveDemoCheckpoint(path: string, state: DemoRunState, sft: Policy, rl?: DemoRlSnapshot & { step: number }): Promise<void> {
  await saveCheckpoint(path, {
    variables: { ...record("sft", sft.variables), ...(rl === undefined ? {} : record("rl", rl.policy.variables)) },
    ...(rl === undefined ? {} : { optimizerState: rl.optimizerState, rng: rl.rng }),
    step: rl?.step ?? 0,
    metadata: { demo: state },
  });
}

/**
 * Loads a demo checkpoint into `sft` (in place) and, when an RL run was in progress, into a new
 * policy and `adamW` state (all or nothing: `restoreCheckpoint`). Throws `INVALID_CONFIG` when
 * the checkpoint was written by another seed or budget, `INVALID_INPUT` when it is no demo checkpoint.
 * @example
 * const { state, rl } = await loadDemoCheckpoint("out/demo.safetensors", sft, { seed: 7, quick: true, budget });
 */
export async function loadDemoCheckpoint(
  path: string,
  sft: Policy,
  run: { seed: number; quick: boolean; budget: DemoBudget },
): Promise<{ state: DemoRunState; rl: DemoRlSnapshot | null }> {
  const ckpt = await loadCheckpoint(path);
  const state = ckpt.metadata.demo as DemoRunState | undefined;
  if (state === undefined || typeof state !== "object" || !Array.isArray(state.root)) {
    throw new RLError("INVALID_INPUT", `runDemo: ${path} is not a demo checkpoint (no metadata.demo)`);
  }
  for (const key of ["seed", "quick", "budget"] as const) {
    if (JSON.stringify(state[key]) !== JSON.stringify(run[key])) {
      throw new RLError("INVALID_CONFIG", `runDemo: ${path} was written by a run with ${key} ${JSON.stringify(state[key])}, this run has ${JSON.stringify(run[key])}`);
    }
  }
  if (!ckpt.variableNames.includes("rl.0")) {
    restoreCheckpoint(ckpt, { variables: record("sft", sft.variables) });
    return { state, rl: null };
  }
  const policy = createPolicy(sft.config, createRng(0));
  const fresh = adamW(policy.variables).init();
  try {
    const r = restoreCheckpoint(ckpt, { variables: { ...record("sft", sft.variables), ...record("rl", policy.variables) }, optimizerState: fresh });
    if (r.rng === null || r.optimizerState === undefined) throw new RLError("INVALID_INPUT", `runDemo: ${path} has an RL run without its generator or optimizer state`);
    return { state, rl: { policy, optimizerState: r.optimizerState, rng: r.rng } };
  } catch (e) {
    tf.dispose([...fresh.m, ...fresh.v]);
    policy.dispose();
    throw e;
  }
}
