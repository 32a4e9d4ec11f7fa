// The demo policy as a data-parallel replica: the module each worker of `--workers N` imports
// (built to dist/demo/replica.js; `@rl/alignment/parallel`'s createDataParallel names it).
import { grpoLoss, type TrainLoss } from "@rl/alignment";
import type { Replica } from "@rl/alignment/parallel";
import { createRng, tf } from "@rl/core";
import { createPolicy, type PolicyConfig } from "./policy.js";
import type { RlBatch } from "./rl.js";

/**
 * Builds a replica of the demo policy in a worker: same architecture and variable order as
 * `createPolicy(config, …)`; the weights are the main thread's, copied in by the first
 * `dataParallelStep`.
 *
 * @example
 * const pool = await createDataParallel({ workers: 2, modelModule: replicaModule(), factoryName: "createPolicyReplica", factoryArgs: [policy.config] });
 */
export function createPolicyReplica(config: PolicyConfig): Replica {
  const policy = createPolicy(config, createRng(0));
  return { model: (ids: tf.Tensor2D) => policy.logits(ids), params: policy.variables, policy };
}

/**
 * The RL phases' policy loss: `grpoLoss` with loss type `"grpo"` (a mean over each sequence's
 * tokens, then over rows: shard weight `"rows"`). On-policy, so every ratio is 1.
 *
 * @example
 * trainStep(model, batch, rlPolicyLoss, optimizer, state);
 */
export const rlPolicyLoss: TrainLoss<RlBatch> = (lp, b, ctx) => grpoLoss({ logProbs: lp, advantages: b.advantages, mask: ctx.mask }, { lossType: "grpo" });

/**
 * The URL of this module as Node can import it in a worker: the built `dist/demo/replica.js`
 * (also when the caller runs from the TypeScript sources, as the tests do).
 *
 * @example
 * replicaModule().href; // "file:///…/examples/dist/demo/replica.js"
 */
export function replicaModule(): URL {
  const here = new URL(import.meta.url);
  return here.pathname.endsWith(".ts") ? new URL("../../dist/demo/replica.js", here) : new URL("./replica.js", here);
}
