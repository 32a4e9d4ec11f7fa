#!/usr/bin/env node
import { ready } from "@rl/core";
import { runVllmToGrpo } from "./vllm-to-grpo/run.js";

export { runVllmToGrpo, type VllmToGrpoResult } from "./vllm-to-grpo/run.js";

/** `node examples/dist/vllm-to-grpo.js`: runs the example and prints its log. */
export async function main(): Promise<void> {
  await ready();
  const result = await runVllmToGrpo({ onLog: (line) => console.log(line) });
  console.log(JSON.stringify(result.preferenceGap));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
