import * as mod from "@rl/serve";
import { ready } from "@rl/core";
import { it } from "vitest";
import { fuzzPackage } from "../src/harness.js";

it("fuzz @rl/serve", async () => {
  await ready();
  await fuzzPackage("serve", mod as Record<string, unknown>, Number(process.env.RL_FUZZ_CASES ?? 100));
});
