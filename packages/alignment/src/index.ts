export * from "./preference/index.js";
export * from "./policy/index.js";
export * from "./training/index.js";
