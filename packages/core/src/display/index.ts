export {
  type Displayable,
  displayable,
  escapeHtml,
  formatValue,
  jupyterDisplay,
  type MimeBundle,
  nodeInspect,
} from "./displayable.js";
export {
  type MetricTable,
  metricTable,
  type MetricTableConfig,
  metricTableConfig,
  type MetricValue,
} from "./metric-table.js";
export {
  type LineChart,
  lineChart,
  type LineChartConfig,
  lineChartConfig,
} from "./line-chart.js";
export {
  displayReport,
  type ReportPart,
} from "./report.js";
export {
  show,
} from "./show.js";
