import { defineDefinition } from "@rl/core/arrays";
import { tempoAdvantages, tempoConfig, type TempoBatch, type TempoResult } from "./tempo.js";
import { spoTreeConfig, spoTreeEdges, type SegmentTree, type SpoTreeResult } from "./spo-tree.js";
import { spoChainBatchAdvantages, type SpoChainBatch, type SpoChainBatchResult } from "../segment/spo-chain-batch.js";
import { spoChainAdvantagesConfig } from "../segment/spo-chain-advantages.js";

/** `rl/tempo`: {@link tempoAdvantages} as a registry definition. */
export const tempoDefinition = defineDefinition({
  kind: "credit-assigner",
  name: "rl/tempo",
  version: "0.1.0",
  specVersion: "v1",
  description: "TEMPO: GRPO plus branch-gated TD corrections from the prefix tree (arXiv:2509.18314)",
  configSchema: tempoConfig,
  create: (config) => (batch: TempoBatch): TempoResult => tempoAdvantages(batch, config),
});

/** `rl/spo-chain`: {@link spoChainBatchAdvantages} as a registry definition. */
export const spoChainDefinition = defineDefinition({
  kind: "credit-assigner",
  name: "rl/spo-chain",
  version: "0.1.0",
  specVersion: "v1",
  description: "SPO-chain: Monte-Carlo segment advantages cut at low-probability tokens (arXiv:2505.23564)",
  configSchema: spoChainAdvantagesConfig,
  create: (config) => (batch: SpoChainBatch): SpoChainBatchResult => spoChainBatchAdvantages(batch, config),
});

/** `rl/spo-tree`: {@link spoTreeEdges} as a registry definition (the batch is a segment tree). */
export const spoTreeDefinition = defineDefinition({
  kind: "credit-assigner",
  name: "rl/spo-tree",
  version: "0.1.0",
  specVersion: "v1",
  description: "SPO-tree: segment advantages V(child) − V(parent) on a sampled segment tree (arXiv:2505.23564)",
  configSchema: spoTreeConfig,
  create: (config) => (tree: SegmentTree): SpoTreeResult => spoTreeEdges(tree, config),
});

/**
 * The tree and segment estimators as registry definitions (kind `"credit-assigner"`):
 * `rl/tempo`, `rl/spo-chain`, `rl/spo-tree`, reaching users through `creditDefinitions` / `creditRegistry()`:
 *
 * @example
 * const registry = creditRegistry(); // the package's definitions, these included
 * const tempo = registry.create<(b: TempoBatch) => TempoResult>("credit-assigner", "rl/tempo", { epsilon: 1e-6 });
 * @remarks arXiv:2509.18314, arXiv:2505.23564
 */
export const treeDefinitions = [tempoDefinition, spoChainDefinition, spoTreeDefinition] as const;
