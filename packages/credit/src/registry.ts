import { createRegistry, RLError, tryRL, type Registry } from "@rl/core/arrays";
import type { either } from "fp-ts";
import type { AdvantageResult } from "./group/types.js";
import { groupCreditDefinitions } from "./group/definitions.js";
import { processDefinitions } from "./process/definitions.js";
import { treeDefinitions } from "./tree/definitions.js";
import type { CreditAssigner, CreditBatch, CreditDefinition } from "./group/credit-definition.js";

/**
 * Every credit assigner this package ships, as registry definitions (kind `"credit-assigner"`,
 * names `"rl/grpo"`, `"rl/rloo"`, …). Each folder keeps its own list (`group/definitions.ts`,
 * `tree/definitions.ts`, …); this array concatenates them. Plain data: importing it registers
 * nothing anywhere.
 */
export const creditDefinitions: readonly CreditDefinition[] = [
  ...groupCreditDefinitions,
  ...(treeDefinitions as unknown as readonly CreditDefinition[]),
  ...(processDefinitions as unknown as readonly CreditDefinition[]),
];

/**
 * A fresh core registry filled, at call time, with {@link creditDefinitions}. Add plugins with
 * `.register(def)`. No import-time side effects: two calls give two independent registries.
 *
 * @example
 * const registry = creditRegistry().register(myPluginDefinition);
 * registry.list("credit-assigner").map((d) => d.name); // ["rl/dr-grpo", "rl/gae", "rl/gpg", …]
 */
export function creditRegistry(): Registry {
  const registry = createRegistry();
  for (const def of creditDefinitions) registry.register(def);
  return registry;
}

/**
 * One door in: runs the credit assigner registered as `name` (a bare name gets the `rl/`
 * namespace: `"grpo"` → `"rl/grpo"`) on `batch` with `config`, parsed by its schema.
 * Unknown names throw `RLError("REGISTRY_NOT_FOUND")` listing what is registered.
 *
 * @example
 * assignCredit("grpo", { tokenRewards: [[0, 1], [0, 0]], mask: [[1, 1], [1, 1]], groups: [0, 0] })
 *   .advantages.toArray(); // [[0.707106, 0.707106], [-0.707106, -0.707106]]
 */
export function assignCredit(name: string, batch: CreditBatch, config: unknown = {}, registry: Registry = creditRegistry()): AdvantageResult {
  if (typeof name !== "string" || name.length === 0) throw new RLError("INVALID_INPUT", "assignCredit: name must be a non-empty string");
  const fullName = name.includes("/") ? name : `rl/${name}`;
  const assign = registry.create<CreditAssigner>("credit-assigner", fullName, config);
  return assign(batch);
}

/**
 * {@link assignCredit} returning `Right(result)` or `Left(RLError)` instead of throwing, for
 * pipelines that compose with fp-ts.
 *
 * @example
 * const batch = { tokenRewards: [[0, 1], [0, 0]], mask: [[1, 1], [1, 1]], groups: [0, 0] };
 * const r = safeAssignCredit("grpo", batch, { epsilon: -1 }); // Left(RLError INVALID_CONFIG)
 */
export function safeAssignCredit(
  name: string,
  batch: CreditBatch,
  config: unknown = {},
  registry?: Registry,
): either.Either<RLError, AdvantageResult> {
  return tryRL(() => assignCredit(name, batch, config, registry ?? creditRegistry()));
}
