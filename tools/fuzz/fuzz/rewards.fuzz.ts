import * as mod from "@rl/rewards";
import { ready } from "@rl/core";
import { it } from "vitest";
import { fuzzPackage } from "../src/harness.js";

it("fuzz @rl/rewards", async () => {
  await ready();
  await fuzzPackage("rewards", mod as Record<string, unknown>, Number(process.env.RL_FUZZ_CASES ?? 100));
});
