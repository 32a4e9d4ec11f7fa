import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { RLError } from "@rl/core/arrays";
import { createJiti } from "jiti";
import { defineRewards, type RewardComposition } from "./composition.js";

/**
 * Loads a reward config module (`rewards.ts`, `.mts`, `.js`, `.mjs`): TypeScript is compiled on
 * the fly by jiti, so a config needs no build step. The module exports a {@link RewardComposition}
 * as its default export or as `rewards` (a function returning one, sync or async, works too); it is
 * checked with {@link defineRewards}.
 *
 * @example
 * const composition = await loadRewardConfig("./rewards.ts");
 */
export async function loadRewardConfig(path: string): Promise<RewardComposition> {
  const file = resolve(path);
  if (!existsSync(file)) throw new RLError("IO", `loadRewardConfig: no file ${file}`);
  const jiti = createJiti(pathToFileURL(file).href, { moduleCache: false, fsCache: false });
  let mod: Record<string, unknown>;
  try {
    mod = await jiti.import<Record<string, unknown>>(file);
  } catch (e) {
    throw new RLError("IO", `loadRewardConfig: ${file} failed to load: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let exported = mod.default ?? mod.rewards;
  if (typeof exported === "function") exported = await (exported as () => unknown)();
  if (exported === undefined) throw new RLError("INVALID_CONFIG", `loadRewardConfig: ${file} has no default export (or \`rewards\` export)`);
  return defineRewards(exported as RewardComposition);
}
