import * as mod from "@rl/core/clients";
import { ready } from "@rl/core";
import { it } from "vitest";
import { fuzzPackage } from "../src/harness.js";

it("fuzz @rl/core/clients", async () => {
  await ready();
  await fuzzPackage("core-clients", mod as Record<string, unknown>, Number(process.env.RL_FUZZ_CASES ?? 100));
});
