import { RLError, defineDefinition, parseConfig, pluginSpecVersion } from "@rl/core";
import { z } from "zod";

/**
 * Config of {@link lengthPenalty}.
 * - `perCharacter` (0.001): the penalty per character.
 * - `free` (200): characters that cost nothing.
 */
export const lengthPenaltyConfig = z.object({
  perCharacter: z.number().nonnegative().finite().default(0.001),
  free: z.number().int().nonnegative().default(200),
});
export type LengthPenaltyConfig = z.input<typeof lengthPenaltyConfig>;

/**
 * A length penalty: `r(text) = −perCharacter · max(0, |text| − free)`, and `null` ("no signal")
 * for an empty response. Throws `RLError("INVALID_INPUT")` when `text` is not a string.
 *
 * @example
 * lengthPenalty("a".repeat(250)); // -0.05
 */
export function lengthPenalty(text: string, config: LengthPenaltyConfig = {}): number | null {
  const { perCharacter, free } = parseConfig(lengthPenaltyConfig, config, "lengthPenalty");
  if (typeof text !== "string") throw new RLError("INVALID_INPUT", `lengthPenalty: text must be a string, got ${typeof text}`);
  if (text.length === 0) return null;
  const over = Math.max(0, text.length - free);
  return over === 0 ? 0 : -perCharacter * over;
}

/**
 * The plugin: a plain, frozen `"reward-function"` definition. Importing this module registers
 * nothing; users add it to a registry they create:
 *
 * @example
 * import { createRegistry } from "@rl/core";
 * const registry = createRegistry().register(lengthPenaltyDefinition);
 * const reward = registry.create<(text: string) => number | null>("reward-function", "acme/length-penalty", { free: 100 });
 */
export const lengthPenaltyDefinition = defineDefinition({
  kind: "reward-function",
  name: "acme/length-penalty",
  version: "0.1.0", // keep equal to package.json "version"
  specVersion: pluginSpecVersion,
  description: "−perCharacter · max(0, length − free); null for an empty response",
  configSchema: lengthPenaltyConfig,
  create: (config) => (text: string) => lengthPenalty(text, config),
});
