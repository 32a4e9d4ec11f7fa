import { z } from "zod";
import { RLError, formatIssues } from "./errors.js";

/**
 * Parses a function's config with its zod schema, filling the reference defaults.
 * Throws `RLError("INVALID_CONFIG")` naming the function and every bad field. Unknown keys of an
 * object config are errors too (a misspelt option must not be silently ignored).
 *
 * @example
 * const cfg = parseConfig(z.object({ beta: z.number().default(0.1) }), {}, "dpoLoss"); // { beta: 0.1 }
 */
export function parseConfig<S extends z.ZodType>(schema: S, config: unknown, fn: string): z.output<S> {
  assertZod4Schema(schema, fn);
  const result = strictVersion(schema).safeParse(config ?? {});
  if (result.success) rejectUnknownKeys(schema, config, fn);
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
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, fn: string, arg: string): z.output<S> {
  assertZod4Schema(schema, fn);
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new RLError("INVALID_INPUT", `${fn}: invalid ${arg}: ${formatIssues(result.error.issues)}`, {
      issues: result.error.issues,
    });
  }
  return result.data;
}

/** The part of a zod 4 schema's internals that {@link isZod4Schema} reads. */
interface Zod4Internals {
  readonly _zod: { readonly version: { readonly major: number }; readonly def: { readonly type: string; readonly shape?: object; readonly catchall?: unknown } };
}

/**
 * True when `x` is a zod 4 schema, from this package's zod or from any other copy of zod 4
 * (classic or `zod/mini`). A zod 3 schema (it has `_def` but no `_zod`) is not.
 * @example
 * isZod4Schema(z.number()); // true
 */
export function isZod4Schema(x: unknown): x is z.ZodType {
  if (typeof x !== "object" || x === null || !("_zod" in x)) return false;
  const internals = (x as Partial<Zod4Internals>)._zod;
  return typeof internals === "object" && internals !== null && internals.version?.major === 4 && typeof (x as { safeParse?: unknown }).safeParse === "function";
}

/**
 * Throws `RLError("INVALID_CONFIG")` unless `schema` is a zod 4 schema, with the fix in the
 * message. A zod 3 schema would parse, but its objects strip unknown keys silently, so a misspelt
 * option would be ignored; `@rl` rejects it at the door instead.
 * @example
 * assertZod4Schema(z.object({}), "myPlugin"); // returns
 */
export function assertZod4Schema(schema: unknown, where: string): asserts schema is z.ZodType {
  if (isZod4Schema(schema)) return;
  const found =
    typeof schema === "object" && schema !== null && "_def" in schema
      ? "a zod 3 schema"
      : schema === undefined || schema === null
        ? String(schema)
        : `a ${typeof schema} that is not a zod schema`;
  throw new RLError(
    "INVALID_CONFIG",
    `${where}: the config schema is ${found}; @rl needs a zod 4 schema. Fix: install zod >= 4 and \`import { z } from "zod"\` ` +
      `(with zod 3.25 use \`import { z } from "zod/v4"\`). A zod 3 schema would silently ignore a misspelt option.`,
  );
}

const strictCache = new WeakMap<z.ZodType, z.ZodType>();

/** An object schema that rejects unknown keys (cached per schema); other schemas unchanged. */
function strictVersion(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodObject)) {
    // another copy of zod 4 (classic): its own `.strict()` keeps refinements and defaults
    const foreign = schema as unknown as { strict?: () => z.ZodType; _zod: Zod4Internals["_zod"] };
    if (foreign._zod.def.type !== "object" || typeof foreign.strict !== "function") return schema;
    let strict = strictCache.get(schema);
    if (strict === undefined) {
      strict = foreign.strict();
      strictCache.set(schema, strict);
    }
    return strict;
  }
  let strict = strictCache.get(schema);
  if (strict === undefined) {
    strict = schema.strict(); // keeps refinements and defaults
    strictCache.set(schema, strict);
  }
  return strict;
}

/**
 * For object schemas that have no `.strict()` (`zod/mini`): an unknown key of `config` is an
 * error, as it is for the classic schemas made strict above.
 */
function rejectUnknownKeys(schema: z.ZodType, config: unknown, fn: string): void {
  const def = (schema as unknown as Zod4Internals)._zod.def;
  if (def.type !== "object" || def.catchall !== undefined || typeof (schema as { strict?: unknown }).strict === "function") return;
  if (typeof config !== "object" || config === null || def.shape === undefined) return;
  const known = new Set(Object.keys(def.shape));
  const unknown = Object.keys(config).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new RLError("INVALID_CONFIG", `${fn}: invalid config: unrecognized key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}`);
  }
}
