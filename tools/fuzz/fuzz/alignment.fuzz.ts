import * as mod from "@rl/alignment";
import { ready } from "@rl/core";
import { it } from "vitest";
import { fuzzPackage } from "../src/harness.js";

it("fuzz @rl/alignment", async () => {
  await ready();
  await fuzzPackage("alignment", mod as Record<string, unknown>, Number(process.env.RL_FUZZ_CASES ?? 100));
});
