import { RLError } from "@rl/core";

/**
 * Internal: renames deprecated config keys to their glossary names (`docs/glossary.md`) before the
 * config is parsed, so the old keys keep working for one release while the schema itself stays a
 * strict object (unknown keys are still rejected). Giving both the old and the new key is an
 * `RLError("INVALID_CONFIG")` naming `fn`. `renames` maps an old key to its new key, or to a function
 * returning the new keys (for a nested old option such as CISPO's `clip`).
 */
export function renameDeprecatedKeys<C>(config: C, renames: Readonly<Record<string, string | ((value: unknown) => Record<string, unknown>)>>, fn: string): C {
  if (typeof config !== "object" || config === null || Array.isArray(config)) return config;
  let out: Record<string, unknown> | undefined;
  for (const [old, to] of Object.entries(renames)) {
    if (!(old in config)) continue;
    const source = config as Record<string, unknown>;
    const mapped = typeof to === "string" ? { [to]: source[old] } : to(source[old]);
    const clash = Object.keys(mapped).filter((k) => k in source);
    if (clash.length > 0) {
      throw new RLError("INVALID_CONFIG", `${fn}: invalid config: "${old}" is the deprecated name of ${clash.map((k) => `"${k}"`).join(", ")}; give only the new key`);
    }
    out ??= { ...source };
    delete out[old];
    Object.assign(out, mapped);
  }
  return (out ?? config) as C;
}
