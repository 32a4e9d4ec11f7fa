#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from "commander";
import { backendNames, type BackendName } from "@rl/core";
import { runDemo } from "./demo/run-demo.js";

export { runDemo, demoBudgets, defaultWorkers, type DemoOptions, type DemoBudget } from "./demo/run-demo.js";
export type { DemoPhase } from "./demo/checkpoint.js";

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

/** Parses the CLI flags and runs the demo. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const program = new Command()
    .name("demo")
    .description("End-to-end RLHF on a verifiable task: SFT → reward model → GRPO vs GRPO+TEMPO → DPO and SimPO → report")
    .option("--quick", "small budgets on 1-digit addition (≤ 60 s): checks the pipeline and that RL raises the reward", false)
    .option("--steps <n>", "RL steps per variant", positiveInt("--steps"))
    .option("--seed <n>", "seed of everything", positiveInt("--seed"), 7)
    .addOption(new Option("--backend <name>", "tfjs backend").choices([...backendNames]).default("wasm"))
    .option("--out <dir>", "output folder", "out/demo")
    .option("--checkpoint <file>", "save a checkpoint (.safetensors) after every phase and every --save-steps RL steps")
    .option("--save-steps <n>", "RL steps between checkpoints", positiveInt("--save-steps"), 10)
    .option("--resume", "continue from --checkpoint (same seed and budget): the numbers of an uninterrupted run", false)
    .option("--workers <n>", "worker threads for the RL training steps (0 = in-process; default 2 on a machine with 2+ cores)", positiveInt("--workers"));
  program.parse([...argv]);
  const o = program.opts<{ quick: boolean; steps?: number; seed: number; backend: BackendName; out: string; checkpoint?: string; saveSteps: number; resume: boolean; workers?: number }>();
  await runDemo({
    quick: o.quick,
    seed: o.seed,
    backend: o.backend,
    out: o.out,
    saveSteps: o.saveSteps,
    resume: o.resume,
    ...(o.steps === undefined ? {} : { steps: o.steps }),
    ...(o.checkpoint === undefined ? {} : { checkpoint: o.checkpoint }),
    ...(o.workers === undefined ? {} : { workers: o.workers }),
  });
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
