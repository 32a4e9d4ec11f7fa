import * as mod from "@rl/rewards";
import * as evaluation from "@rl/rewards/evaluation";
import * as models from "@rl/rewards/models";
import * as rubric from "@rl/rewards/rubric";
import * as transforms from "@rl/rewards/transforms";
import * as verifiable from "@rl/rewards/verifiable";
import { ready } from "@rl/core";
import { it } from "vitest";
import { fuzzPackage } from "../src/harness.js";

// The root lists what users call; parsers and building blocks live only in their subpath (issue 16).
// Fuzz every public function of the package: the root plus its subpaths.
const functions = { ...verifiable, ...transforms, ...rubric, ...models, ...evaluation, ...mod };

it("fuzz @rl/rewards", async () => {
  await ready();
  await fuzzPackage("rewards", functions as Record<string, unknown>, Number(process.env.RL_FUZZ_CASES ?? 100));
});
