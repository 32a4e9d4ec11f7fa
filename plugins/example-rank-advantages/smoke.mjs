// Smoke test of the example plugin as users get it: run from an app where the packed @rl
// tarballs and this plugin's tarball are installed (scripts/pack-smoke.mjs), or from this folder
// after `pnpm build`. Registers the plugin explicitly, runs it through assignCredit and prints
// the advantages. `node smoke.mjs` prints exactly `expectedSmokeOutput`.
import { guardedDefinition } from "@rl/core";
import { assignCredit, creditRegistry } from "@rl/credit";
import { rankAdvantagesDefinition } from "@rl-examples/rank-advantages";
import { pathToFileURL } from "node:url";

/** What {@link pluginSmoke} prints. */
export const expectedSmokeOutput = [
  "example/rank-advantages [[1,1],[-1,-1],[0,0]]",
  "guarded [[0.5,0.5],[-0.5,-0.5],[0,0]]",
].join("\n");

/** Registers the plugin in a fresh credit registry, assigns credit on a tiny batch, prints and returns the lines. */
export function pluginSmoke(log = console.log) {
  const batch = { tokenRewards: [[0, 1], [0, 0], [0, 0.5]], mask: [[1, 1], [1, 1], [1, 0]], groups: [0, 0, 0] };
  const registry = creditRegistry().register(rankAdvantagesDefinition);
  const plain = assignCredit("example/rank-advantages", batch, {}, registry).advantages.toArray();
  const guarded = creditRegistry().register(guardedDefinition(rankAdvantagesDefinition));
  const half = assignCredit("example/rank-advantages", batch, { scale: 0.5 }, guarded).advantages.toArray();
  const lines = [`example/rank-advantages ${JSON.stringify(plain)}`, `guarded ${JSON.stringify(half)}`];
  for (const line of lines) log(line);
  if (lines.join("\n") !== expectedSmokeOutput) throw new Error(`plugin smoke: printed\n${lines.join("\n")}\nexpected\n${expectedSmokeOutput}`);
  return lines;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) pluginSmoke();
