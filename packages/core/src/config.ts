import { z } from "zod";
import { RLError, formatIssues } from "./errors.js";

/**
 * Parses a function's config with its zod schema, filling the reference defaults.
 * Throws `RLError("INVALID_CONFIG")` naming the function and every bad field. Unknown keys of an
 * object config are errors too (a misspelt option must not be silently ignored).
 *
 * @example
 * const cfg = parseConfig(z.object({ beta: z.number().default(0.1) }), {}, "dpoLoss"); // { beta: 0.1 }
 * @remarks no paper
 */
export function parseConfig<S extends z.ZodType>(schema: S, config: unknown, fn: string): z.output<S> {
  const result = strictVersion(schema).safeParse(config ?? {});
  if (!result.success) {
    throw new RLError("INVALID_CONFIG", `${fn}: invalid config: ${formatIssues(result.error.issues)}`, {
      issues: result.error.issues,
    });
  }
  return result.data as z.output<S>;
}

/**
 * Parses input data with a zod schema; throws `RLError("INVALID_INPUT")` naming the
 * function, the argument and the offending fields.
 * @remarks no paper
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, fn: string, arg: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new RLError("INVALID_INPUT", `${fn}: invalid ${arg}: ${formatIssues(result.error.issues)}`, {
      issues: result.error.issues,
    });
  }
  return result.data;
}

const strictCache = new WeakMap<z.ZodType, z.ZodType>();

/** An object schema that rejects unknown keys (cached per schema); other schemas unchanged. */
function strictVersion(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodObject)) return schema;
  let strict = strictCache.get(schema);
  if (strict === undefined) {
    strict = schema.strict(); // keeps refinements and defaults
    strictCache.set(schema, strict);
  }
  return strict;
}
