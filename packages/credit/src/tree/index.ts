export { prefixTree, prefixTreeConfig, type PrefixTreeConfig, type PrefixTreeBatch, type PrefixForest } from "./prefix-tree.js";
export * from "./prefix-token-values.js";
export * from "./prefix-tree-nodes.js";
export * from "./tempo.js";
export * from "./spo-tree.js";
export * from "./definitions.js";
