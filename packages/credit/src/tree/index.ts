export { prefixTree, prefixTreeConfig, type PrefixTreeConfig, type PrefixTreeBatch, type PrefixForest } from "./prefix-tree.js";
export {
  type PrefixTokenValues,
  prefixTokenValues,
} from "./prefix-token-values.js";
export {
  type PrefixTreeNode,
  prefixTreeNodes,
  renderPrefixTree,
  type RenderPrefixTreeOptions,
} from "./prefix-tree-nodes.js";
export {
  tempoAdvantages,
  type TempoBatch,
  type TempoConfig,
  tempoConfig,
  type TempoDiagnostics,
  type TempoResult,
} from "./tempo.js";
export {
  type SegmentTree,
  type SpoTreeConfig,
  spoTreeConfig,
  type SpoTreeEdge,
  spoTreeEdges,
  type SpoTreeResult,
  type SpoTreeTokenAdvantages,
  spoTreeTokenAdvantages,
  type SpoTreeTokenConfig,
  spoTreeTokenConfig,
  spoTreeValues,
} from "./spo-tree.js";
export {
  spoChainDefinition,
  spoTreeDefinition,
  tempoDefinition,
  treeDefinitions,
} from "./definitions.js";
