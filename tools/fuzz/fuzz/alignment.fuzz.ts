import * as mod from "@rl/alignment";
import { ready } from "@rl/core";
import { it } from "vitest";
import { fuzzPackage } from "../src/harness.js";

// The building blocks moved off the root into the `preferenceBlocks` / `policyBlocks` namespaces
// (issue 16) are still public functions: fuzz them under their own names.
const { highEntropyTokenMask, linearQuantile, offPolicySequenceMask, vespoWeights } = mod.policyBlocks;
const functions = { ...mod.preferenceBlocks, highEntropyTokenMask, linearQuantile, offPolicySequenceMask, vespoWeights, ...mod };

it("fuzz @rl/alignment", async () => {
  await ready();
  await fuzzPackage("alignment", functions as Record<string, unknown>, Number(process.env.RL_FUZZ_CASES ?? 100));
});
