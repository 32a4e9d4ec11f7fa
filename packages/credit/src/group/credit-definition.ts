import { RLError, defineDefinition, describeValue, type Definition, type MatrixLike } from "@rl/core/arrays";
import type { z } from "zod";
import type { AdvantageResult, GroupIds } from "./types.js";
import { requireObject } from "../args.js";

/**
 * The common batch of the registry door: `{ tokenRewards, mask, groups, ...extras }`.
 * Extras are estimator-specific (`values` for GAE, `baselines` for ReMax, `tokenIds` for TEMPO…);
 * each estimator validates the ones it needs.
 */
export interface CreditBatch {
  readonly tokenRewards: MatrixLike;
  readonly mask: MatrixLike;
  readonly groups?: GroupIds;
  readonly [extra: string]: unknown;
}

/** What a `"credit-assigner"` definition builds from its parsed config. */
export type CreditAssigner = (batch: CreditBatch) => AdvantageResult;

/** A registry definition of kind `"credit-assigner"`. */
export type CreditDefinition = Definition<"credit-assigner", z.ZodType, CreditAssigner>;

/**
 * Builds a frozen `"credit-assigner"` definition (core's `defineDefinition`) from an estimator's
 * schema and a function of `(batch, parsedConfig)`.
 *
 * @example
 * const def = defineCreditAssigner({ name: "acme/zero", description: "all zeros",
 *   configSchema: z.object({}), assign: (batch) => ({ advantages: zeros, returns: zeros }) });
 */
export function defineCreditAssigner<C extends z.ZodType>(def: {
  name: string;
  description: string;
  configSchema: C;
  assign: (batch: CreditBatch, config: z.output<C>) => AdvantageResult;
  version?: string;
}): CreditDefinition {
  requireObject(def, "def", "defineCreditAssigner");
  if (typeof def.assign !== "function") throw new RLError("INVALID_INPUT", `defineCreditAssigner: def.assign must be a function, got ${describeValue(def.assign)}`);
  const { assign } = def;
  return defineDefinition({
    kind: "credit-assigner",
    name: def.name,
    version: def.version ?? "0.1.0",
    specVersion: "v1",
    description: def.description,
    configSchema: def.configSchema as z.ZodType,
    create: (config: unknown) => (batch: CreditBatch) => assign(batch, config as z.output<C>),
  });
}
