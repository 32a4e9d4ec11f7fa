export * from "./displayable.js";
export * from "./metric-table.js";
export * from "./line-chart.js";
export * from "./report.js";
export * from "./show.js";
