#!/usr/bin/env node
import { ready } from "@rl/core";
import { runTextToDpo } from "./text-to-dpo/run.js";

export { runTextToDpo, type TextToDpoOptions, type TextToDpoResult } from "./text-to-dpo/run.js";

/** `node examples/dist/text-to-dpo.js [checkpoint]`: runs the example and prints its log. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await ready();
  const result = await runTextToDpo({ checkpoint: argv[2] ?? "out/text-to-dpo.safetensors", onLog: (line) => console.log(line) });
  console.log(JSON.stringify(result.accuracy));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
