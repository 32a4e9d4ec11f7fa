import type { OpTable } from "../types.js";

/** Conformance ops of this area (see ../shared/conformance/README.md). */
export const alignmentPreferenceOps: OpTable = {};
