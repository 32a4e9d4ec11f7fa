import { defineDefinition } from "@rl/core/arrays";
import { gigpoAdvantages, gigpoConfig, type GigpoInput } from "../step/gigpo.js";
import { macroGae, macroGaeConfig, type MacroGaeInput } from "../step/macro-gae.js";
import { capoAdvantages, capoConfig, type CapoInput } from "./capo.js";
import { posteriorGrpoAdvantages, posteriorGrpoConfig, type PosteriorGrpoInput } from "./posterior-grpo.js";
import { primeAdvantages, primeConfig, type PrimeInput } from "./prime.js";
import { pureAdvantages, pureConfig, type PureInput } from "./pure.js";

const common = { kind: "credit-assigner", version: "0.1.0", specVersion: "v1" } as const;

/**
 * Registry definitions of the process- and step-level credit assigners (kind
 * `"credit-assigner"`): `rl/pure-min-form`, `rl/prime`, `rl/posterior-grpo`, `rl/capo`,
 * `rl/gigpo`, `rl/macro-gae`. `create(config)` returns `(batch) => result`, the estimator with
 * its parsed config bound. They reach users through `creditDefinitions` / `creditRegistry()`; nothing registers at import time.
 *
 * @example
 * const registry = creditRegistry(); // the package's definitions, these included
 * const pure = registry.create<(b: PureInput) => { advantages: Matrix }>("credit-assigner", "rl/pure-min-form", {});
 */
export const processDefinitions = [
  defineDefinition({
    ...common,
    name: "rl/pure-min-form",
    description: "PURE min-form credit for PRM step rewards (arXiv:2504.15275)",
    configSchema: pureConfig,
    create: (config) => (batch: PureInput) => pureAdvantages(batch, config),
  }),
  defineDefinition({
    ...common,
    name: "rl/prime",
    description: "PRIME implicit process rewards with per-source RLOO returns (arXiv:2502.01456)",
    configSchema: primeConfig,
    create: (config) => (batch: PrimeInput) => primeAdvantages(batch, config),
  }),
  defineDefinition({
    ...common,
    name: "rl/posterior-grpo",
    description: "Posterior-GRPO: thinking reward only for correct rollouts, then GRPO (arXiv:2508.05170)",
    configSchema: posteriorGrpoConfig,
    create: (config) => (batch: PosteriorGrpoInput) => posteriorGrpoAdvantages(batch, config),
  }),
  defineDefinition({
    ...common,
    name: "rl/capo",
    description: "CAPO: voted step critiques penalise tokens of wrong steps (arXiv:2508.02298)",
    configSchema: capoConfig,
    create: (config) => (batch: CapoInput) => capoAdvantages(batch, config),
  }),
  defineDefinition({
    ...common,
    name: "rl/gigpo",
    description: "GiGPO: episode and anchor-state step group advantages (arXiv:2505.10978)",
    configSchema: gigpoConfig,
    create: (config) => (batch: GigpoInput) => gigpoAdvantages(batch, config),
  }),
  defineDefinition({
    ...common,
    name: "rl/macro-gae",
    description: "MA-RLHF macro-action GAE (arXiv:2410.02743)",
    configSchema: macroGaeConfig,
    create: (config) => (batch: MacroGaeInput) => macroGae(batch, config),
  }),
] as const;
