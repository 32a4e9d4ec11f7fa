import * as mod from "@rl/credit";
import { ready } from "@rl/core";
import { it } from "vitest";
import { fuzzPackage } from "../src/harness.js";

it("fuzz @rl/credit", async () => {
  await ready();
  await fuzzPackage("credit", mod as Record<string, unknown>, Number(process.env.RL_FUZZ_CASES ?? 100));
});
