export * from "./gae.js";
