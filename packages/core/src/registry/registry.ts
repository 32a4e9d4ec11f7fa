import { z } from "zod";
import { assertZod4Schema, parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { describeValue } from "../validate.js";

/** The plugin specification version this `@rl/core` understands. */
export const pluginSpecVersion = "v1" as const;

/** Kinds of definitions. Open-ended: a package may add its own kind string. */
export type DefinitionKind = "reward-model" | "reward-function" | "credit-assigner" | "loss" | "transform" | (string & {});

/**
 * A named definition: what a registry stores and what a plugin package exports.
 * Plain, frozen data plus a factory; no import-time side effects.
 */
export interface Definition<K extends string = DefinitionKind, C extends z.ZodType = z.ZodType, I = unknown> {
  /** What it is (`"credit-assigner"`, `"loss"`, …). */
  readonly kind: K;
  /** `namespace/name`, e.g. `"rl/grpo"` or `"acme/length-penalty"`. */
  readonly name: string;
  /** The definition's own semver version. */
  readonly version: string;
  /** The plugin specification version it was written against. */
  readonly specVersion: string;
  /** One-line description. */
  readonly description?: string;
  /** zod schema of its config (with defaults). */
  readonly configSchema: C;
  /** Builds the implementation from a parsed config. */
  readonly create: (config: z.output<C>) => I;
}

const namePattern = /^[a-z0-9][a-z0-9-_.]*\/[a-z0-9][a-z0-9-_.]*$/;
const semverPattern = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;

/**
 * Freezes and validates a definition (name `namespace/name`, semver version, spec version).
 * @example
 * export const lengthPenalty = defineDefinition({
 *   kind: "reward-function", name: "acme/length-penalty", version: "1.0.0", specVersion: "v1",
 *   configSchema: z.object({ per: z.number().default(0.01) }),
 *   create: ({ per }) => (text: string) => -per * text.length,
 * });
 */
export function defineDefinition<K extends string, C extends z.ZodType, I>(def: Definition<K, C, I>): Definition<K, C, I> {
  if (typeof def !== "object" || def === null || typeof def.name !== "string") throw new RLError("INVALID_INPUT", `defineDefinition: def must be { kind, name, version, specVersion, configSchema, create }, got ${describeValue(def)}`);
  if (!namePattern.test(def.name)) {
    throw new RLError("INVALID_INPUT", `defineDefinition: name "${def.name}" must be "namespace/name" (lower case)`);
  }
  if (typeof def.version !== "string" || !semverPattern.test(def.version)) {
    const got = typeof def.version === "string" ? `"${def.version}"` : describeValue(def.version);
    throw new RLError("INVALID_INPUT", `defineDefinition: ${def.name}: version ${got} is not semver`);
  }
  if (typeof def.create !== "function") throw new RLError("INVALID_INPUT", `defineDefinition: ${def.name}: create must be a function`);
  assertZod4Schema(def.configSchema, `defineDefinition: ${def.name}`);
  return Object.freeze({ ...def });
}

/** A definition of any config type, as a registry stores it. */
export type AnyDefinition = Omit<Definition<string, z.ZodType, unknown>, "create"> & {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly create: (config: any) => unknown;
};

/** A typed registry of definitions that the user creates and fills explicitly. */
export interface Registry {
  /** Adds a definition; a duplicate `kind` + `name` or an unsupported spec version throws. Returns the registry. */
  register(def: AnyDefinition): Registry;
  /** True when `kind`/`name` is registered. */
  has(kind: string, name: string): boolean;
  /** The definition, or `RLError("REGISTRY_NOT_FOUND")` listing what is registered of that kind. */
  get(kind: string, name: string): AnyDefinition;
  /** Parses `config` with the definition's schema and builds the implementation. */
  create<I = unknown>(kind: string, name: string, config?: unknown): I;
  /** Definitions, optionally of one kind, sorted by name. */
  list(kind?: string): readonly AnyDefinition[];
}

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** Spec versions accepted. Default `["v1"]`. */
  specVersions?: readonly string[];
}

/**
 * Creates an empty registry. Nothing registers itself on import: the user adds definitions
 * in code, and only names registered that way can be looked up from a config string.
 *
 * @example
 * const registry = createRegistry().register(lengthPenalty);
 * const reward = registry.create<(t: string) => number>("reward-function", "acme/length-penalty", { per: 0.1 });
 */
export function createRegistry(options: RegistryOptions = {}): Registry {
  if (typeof options !== "object" || options === null) throw new RLError("INVALID_INPUT", `createRegistry: options must be an object, got ${describeValue(options)}`);
  const accepted = options.specVersions ?? [pluginSpecVersion];
  const store = new Map<string, AnyDefinition>();
  const key = (kind: string, name: string) => `${kind}\u0000${name}`;
  const registry: Registry = {
    register(def) {
      assertZod4Schema(def.configSchema, `registry.register: ${def.name}`);
      if (!accepted.includes(def.specVersion)) {
        throw new RLError(
          "REGISTRY_SPEC_VERSION",
          `registry: ${def.name} targets plugin spec "${def.specVersion}"; this @rl/core supports ${accepted.map((v) => `"${v}"`).join(", ")}`,
        );
      }
      const k = key(def.kind, def.name);
      if (store.has(k)) {
        throw new RLError("REGISTRY_DUPLICATE", `registry: a ${def.kind} named "${def.name}" is already registered`);
      }
      store.set(k, Object.isFrozen(def) ? def : Object.freeze({ ...def }));
      return registry;
    },
    has: (kind, name) => store.has(key(kind, name)),
    get(kind, name) {
      const def = store.get(key(kind, name));
      if (def === undefined) {
        const known = registry.list(kind).map((d) => d.name);
        throw new RLError(
          "REGISTRY_NOT_FOUND",
          `registry: no ${kind} named "${name}"; registered: ${known.length > 0 ? known.join(", ") : "none"}`,
        );
      }
      return def;
    },
    create<I>(kind: string, name: string, config?: unknown): I {
      const def = registry.get(kind, name);
      return def.create(parseConfig(def.configSchema, config, `${kind} ${name}`)) as I;
    },
    list(kind) {
      return [...store.values()].filter((d) => kind === undefined || d.kind === kind).sort((a, b) => a.name.localeCompare(b.name));
    },
  };
  return registry;
}
