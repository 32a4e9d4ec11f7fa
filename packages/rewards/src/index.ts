export * from "./verifiable/index.js";
export * from "./models/index.js";
export * from "./rubric/index.js";
export * from "./transforms/index.js";
export * from "./evaluation/index.js";
