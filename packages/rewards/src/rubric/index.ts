export * from "./rubric-schema.js";
export * from "./aggregate-rubric.js";
export * from "./chat-completions-judge.js";
export * from "./rubric-reward.js";
export * from "./cached-judge.js";
export * from "./spct.js";
