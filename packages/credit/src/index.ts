export * from "./group/index.js";
export * from "./value/index.js";
export * from "./kl/index.js";
export * from "./tree/index.js";
export * from "./segment/index.js";
export * from "./process/index.js";
export * from "./step/index.js";
